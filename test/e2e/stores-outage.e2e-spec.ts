import { PostgresTokenStore, RedisTokenStore, type TokenStore } from 'nest-jwt-security';
import { LocalAppModule } from '../fixtures/local-app.module.js';
import { timed } from '../fixtures/proxy/helpers.js';
import { ADAPTERS, request, startApp, type RunningApp } from '../utils/http-app.js';
import { AUTH, expectError, expectStatus, login } from '../utils/jwt-e2e.js';
import { DATABASE_URL, PrivateRedis, TcpProxy } from '../utils/private-servers.js';
import {
  expectRecovery,
  storeNamespace,
  until,
  type StoreNamespace,
} from '../utils/store-backends.js';

/** How long a guarded route may keep answering from its last view of the revocations. */
const GUARD_BOUND_MS = 2500;
/** How long login and refresh may take to fail, and the app to recover once the store is back. */
const CALL_BOUND_MS = 1500;
const RECOVERY_BOUND_MS = 5000;

/** A store server this suite may take down: a private redis-server, or a proxy to PostgreSQL. */
interface Outage {
  name: string;
  store(): TokenStore;
  down(): Promise<void>;
  up(): Promise<void>;
  dispose(): Promise<void>;
}

async function redisOutage(): Promise<Outage> {
  const redis = await PrivateRedis.start();
  return {
    name: 'redis (private redis-server, killed and restarted)',
    store: () => new RedisTokenStore({ url: redis.url, prefix: 'jwt-security-outage:' }),
    down: () => redis.kill(),
    up: () => redis.start(),
    dispose: () => redis.kill(),
  };
}

async function postgresOutage(): Promise<Outage> {
  const proxy = await TcpProxy.to(DATABASE_URL);
  const namespace: StoreNamespace = storeNamespace('postgres');
  return {
    name: 'postgres (through a proxy that is cut and restored)',
    store: () => namespace.store({ url: proxy.url }) as PostgresTokenStore,
    down: () => proxy.stop(),
    up: () => proxy.start(),
    async dispose() {
      await proxy.stop();
      await namespace.drop();
    },
  };
}

/**
 * Fail closed: a store that cannot be reached makes guarded routes, login and refresh answer
 * 503 `service_unavailable` promptly, never "not revoked"; the app recovers by itself. The
 * machine's shared servers are never stopped.
 */
describe.each(ADAPTERS)('store outage (%s)', (adapter) => {
  describe.each([
    ['redis', redisOutage],
    ['postgres', postgresOutage],
  ] as const)('on %s', (backend, makeOutage) => {
    let outage: Outage;
    let app: RunningApp;

    beforeAll(async () => {
      outage = await makeOutage();
      app = await startApp(LocalAppModule.with({ store: outage.store() }), adapter);
    });
    afterAll(async () => {
      await app?.close();
      await outage?.dispose();
    });

    it('answers 503 promptly while the store is down, then recovers by itself', async () => {
      const url = app.url;
      const credentials = { login: 'user1', password: 'passwd' };
      const pair = await login(url, 'user1', 'passwd');
      expectStatus(await request(`${url}/protected`, { token: pair.accessToken }), 200);

      await outage.down();
      const downAt = Date.now();

      const loginDown = await timed(() =>
        request(`${url}${AUTH}/login`, { method: 'POST', json: credentials }),
      );
      expectError(loginDown.result, 503, 'service_unavailable');
      expect(loginDown.ms).toBeLessThan(CALL_BOUND_MS);

      const refreshDown = await timed(() =>
        request(`${url}${AUTH}/refresh`, { method: 'POST', token: pair.refreshToken }),
      );
      expectError(refreshDown.result, 503, 'service_unavailable');
      expect(refreshDown.ms).toBeLessThan(CALL_BOUND_MS);

      // The guard answers from its in-memory view until the view is too old to trust.
      await until(
        GUARD_BOUND_MS,
        () => request(`${url}/protected`, { token: pair.accessToken }),
        (a) => a.status === 503,
      );
      expect(Date.now() - downAt).toBeLessThan(GUARD_BOUND_MS);
      expectError(
        await request(`${url}/protected`, { token: pair.accessToken }),
        503,
        'service_unavailable',
      );
      expectError(
        await request(`${url}${AUTH}/verify`, { method: 'POST', token: pair.accessToken }),
        503,
        'service_unavailable',
      );

      await outage.up();
      await expectRecovery(url, pair.accessToken, RECOVERY_BOUND_MS);
    });
  });
});
