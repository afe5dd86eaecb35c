import { LocalAppModule } from '../fixtures/local-app.module.js';
import { timed } from '../fixtures/proxy/helpers.js';
import { ADAPTERS, request, startApp, type RunningApp } from '../utils/http-app.js';
import { AUTH, expectError, expectStatus, login } from '../utils/jwt-e2e.js';
import { DATABASE_URL, REDIS_URL, TcpProxy } from '../utils/private-servers.js';
import {
  SHARED_BACKENDS,
  expectRecovery,
  storeNamespace,
  until,
  type StoreNamespace,
} from '../utils/store-backends.js';

/** The module's bound on every store call in this suite. */
const STORE_TIMEOUT_MS = 800;
/** The stores' own bounds, far longer: only the module's timeout can answer in time. */
const STORE_OWN_TIMEOUT_MS = 10_000;
/** A call that waits for the store answers within the module's timeout, plus some slack. */
const CALL_BOUND_MS = STORE_TIMEOUT_MS + 700;
/** Guarded routes answer from the view until it is stale: max(3 × 500 ms, 1.5 s), plus slack. */
const GUARD_BOUND_MS = 1500 + STORE_TIMEOUT_MS + 700;
const RECOVERY_BOUND_MS = 5000;

/**
 * A store that hangs: its server accepts connections and reads requests but never answers (a
 * frozen TCP proxy in front of the real server, never the server itself). Login, refresh and
 * guarded routes answer 503 `service_unavailable` within the module's `storeTimeout` and the
 * view's staleness bound, even though the store's own timeouts are far longer, then recover.
 */
describe.each(ADAPTERS)('hanging store (%s)', (adapter) => {
  describe.each(SHARED_BACKENDS)('on %s', (backend) => {
    let namespace: StoreNamespace;
    let proxy: TcpProxy;
    let app: RunningApp;
    /** The same, with `revocation: 'refresh'`: access tokens never wait for the view. */
    let relaxed: RunningApp;

    beforeAll(async () => {
      namespace = storeNamespace(backend);
      proxy = await TcpProxy.to(backend === 'redis' ? REDIS_URL : DATABASE_URL);
      const url = proxy.url;
      app = await startApp(
        LocalAppModule.with({
          store: namespace.store({ url, timeout: STORE_OWN_TIMEOUT_MS }),
          storeTimeout: STORE_TIMEOUT_MS,
        }),
        adapter,
      );
      relaxed = await startApp(
        LocalAppModule.with({
          store: namespace.store({ url, timeout: STORE_OWN_TIMEOUT_MS }),
          storeTimeout: STORE_TIMEOUT_MS,
          revocation: 'refresh',
        }),
        adapter,
      );
    });
    afterAll(async () => {
      proxy?.thaw();
      await app?.close();
      await relaxed?.close();
      await proxy?.stop();
      await namespace?.drop();
    });

    it('answers 503 within the bounds while the store hangs, then recovers by itself', async () => {
      const url = app.url;
      const credentials = { login: 'user1', password: 'passwd' };
      const pair = await login(url, 'user1', 'passwd');
      expectStatus(await request(`${url}/protected`, { token: pair.accessToken }), 200);

      proxy.freeze();
      const frozenAt = Date.now();

      const loginHung = await timed(() =>
        request(`${url}${AUTH}/login`, { method: 'POST', json: credentials }),
      );
      expectError(loginHung.result, 503, 'service_unavailable');
      expect(loginHung.ms).toBeGreaterThanOrEqual(STORE_TIMEOUT_MS - 50);
      expect(loginHung.ms).toBeLessThan(CALL_BOUND_MS);

      const refreshHung = await timed(() =>
        request(`${url}${AUTH}/refresh`, { method: 'POST', token: pair.refreshToken }),
      );
      expectError(refreshHung.result, 503, 'service_unavailable');
      expect(refreshHung.ms).toBeLessThan(CALL_BOUND_MS);

      await until(
        GUARD_BOUND_MS,
        () => request(`${url}/protected`, { token: pair.accessToken }),
        (a) => a.status === 503,
      );
      expect(Date.now() - frozenAt).toBeLessThan(GUARD_BOUND_MS + CALL_BOUND_MS);
      const guarded = await timed(() => request(`${url}/protected`, { token: pair.accessToken }));
      expectError(guarded.result, 503, 'service_unavailable');
      expect(guarded.ms).toBeLessThan(200); // the stale view answers at once, no store call
      // revocation: 'refresh' (README): access tokens keep working through the outage.
      expectStatus(await request(`${relaxed.url}/protected`, { token: pair.accessToken }), 200);
      expectError(
        await request(`${relaxed.url}${AUTH}/login`, { method: 'POST', json: credentials }),
        503,
        'service_unavailable',
      );

      proxy.thaw();
      await expectRecovery(url, pair.accessToken, RECOVERY_BOUND_MS);
    });
  });
});
