import {
  ADAPTERS,
  request,
  startApp,
  type HttpAnswer,
  type RunningApp,
} from '../utils/http-app.js';
import {
  AUTH,
  accessClaims,
  expectError,
  expectStatus,
  login,
  loginAnswer,
  refresh,
  signToken,
  type TokenPair,
} from '../utils/jwt-e2e.js';
import { fixtureKeys } from '../fixtures/keys.fixture.js';
import { Authority } from '../fixtures/proxy/authority.fixture.js';
import { timed, waitUntil } from '../fixtures/proxy/helpers.js';
import { PROXY_ALGORITHMS, privateKey, signingOptions } from '../fixtures/proxy/keys.fixture.js';
import { PROXY_DEFAULTS, ProxyAppModule } from '../fixtures/proxy/proxy-app.fixture.js';

/** The proxies' `authorityTimeout` is 1000 ms: a 503 must come well before 2 s. */
const WITHIN_TIMEOUT_MS = 2 * PROXY_DEFAULTS.authorityTimeout;
/** Seconds between two JWKS fetches, plus a margin, in milliseconds. */
const REFETCH_MS = PROXY_DEFAULTS.jwksRefetchInterval * 1000 + 100;

/** Checks that `call` answers 503 service_unavailable within the timeout; returns its duration. */
async function expectUnavailable(call: () => Promise<HttpAnswer>): Promise<number> {
  const { result, ms } = await timed(call);
  expectError(result, 503, 'service_unavailable');
  expect(ms).toBeLessThan(WITHIN_TIMEOUT_MS);
  return ms;
}

/**
 * An authority that is down or slow: the proxy answers 503 within its timeout wherever it needs
 * the authority, keeps verifying known-kid tokens with the JWKS it holds, and recovers by itself.
 */
describe.each(ADAPTERS)('proxy with an unreachable or slow authority (%s)', (adapter) => {
  describe.each(PROXY_ALGORITHMS)('authority %s', (alg) => {
    let signer: Authority;
    let hmac: Authority;
    let jwksProxy: RunningApp;
    let hmacProxy: RunningApp;
    let jwksStartedAt: number;
    let lastJwksFetchAt: number;
    /** When the proxy last failed to fetch the JWKS: it may wait an interval before trying again. */
    let lastJwksFailureAt: number;
    let user: TokenPair;
    let hmacUnseen: TokenPair;
    const stranger = (kid: string) => signToken(alg, privateKey(alg, 'C'), accessClaims(), { kid });
    const loginCall = (proxy: RunningApp) => () => loginAnswer(proxy.url, 'user1', 'passwd');
    const profile = (proxy: RunningApp, token: string) => () =>
      request(`${proxy.url}/profile`, { token });

    beforeAll(async () => {
      signer = await Authority.start(signingOptions(alg, 'A'), adapter);
      hmac = await Authority.start(fixtureKeys('HS256').options, adapter);
      jwksProxy = await startApp(ProxyAppModule.with(signer.url, { algorithm: alg }), adapter);
      // After the start, which fetched the JWKS: the refetch interval counts from no earlier.
      jwksStartedAt = Date.now();
      hmacProxy = await startApp(
        ProxyAppModule.with(hmac.url, { algorithm: 'HS256', claimsCacheTtl: 30 }),
        adapter,
      );
      user = await login(jwksProxy.url, 'user1', 'passwd');
      hmacUnseen = await login(hmacProxy.url, 'user1', 'passwd');
    });
    afterAll(async () => {
      await jwksProxy?.close();
      await hmacProxy?.close();
      await signer?.stop();
      await hmac?.stop();
    });

    it('authority stopped: login answers 503 service_unavailable at once', async () => {
      await signer.stop();
      await hmac.stop();
      await expectUnavailable(loginCall(jwksProxy));
      await expectUnavailable(loginCall(hmacProxy));
      await expectUnavailable(() =>
        request(`${jwksProxy.url}${AUTH}/refresh`, { method: 'POST', token: user.refreshToken }),
      );
      await expectUnavailable(() =>
        request(`${jwksProxy.url}${AUTH}/verify`, { method: 'POST', token: user.accessToken }),
      );
    });

    it('authority stopped: known-kid tokens keep working with the JWKS already loaded', async () => {
      for (let i = 0; i < 3; i++) expectStatus(await profile(jwksProxy, user.accessToken)(), 200);
      expectError(
        await request(`${jwksProxy.url}/admin`, { token: user.accessToken }),
        403,
        'insufficient_scope',
      );
    });

    it('authority stopped: routes that need it answer 503 (claims route, unknown kid)', async () => {
      await expectUnavailable(profile(hmacProxy, hmacUnseen.accessToken));
      await waitUntil(jwksStartedAt, REFETCH_MS);
      const unknownKid = await stranger('rotated-key');
      await expectUnavailable(profile(jwksProxy, unknownKid));
      // Still unavailable, never accepted: the refusal is not cached either way.
      await expectUnavailable(profile(jwksProxy, unknownKid));
      lastJwksFailureAt = Date.now();
    });

    it('started again on the same port: the proxies recover without a restart', async () => {
      const ports = [signer.url, hmac.url];
      await signer.restart();
      await hmac.restart();
      expect([signer.url, hmac.url]).toEqual(ports);

      const fresh = await login(jwksProxy.url, 'admin', 'admin');
      expectStatus(await request(`${jwksProxy.url}/admin`, { token: fresh.accessToken }), 200);
      const renewed = await refresh(jwksProxy.url, user.refreshToken);
      expectStatus(await profile(jwksProxy, renewed.accessToken)(), 200);
      // Reachable again: an unknown kid is looked up and refused as invalid, not unavailable.
      await waitUntil(lastJwksFailureAt, REFETCH_MS);
      signer.log.reset();
      expectError(await profile(jwksProxy, await stranger('rotated-key'))(), 401, 'token_invalid');
      lastJwksFetchAt = Date.now();
      expect(signer.log.count('GET jwks')).toBe(1);

      expectStatus(await profile(hmacProxy, hmacUnseen.accessToken)(), 200);
      const hmacFresh = await login(hmacProxy.url, 'admin', 'admin');
      expectStatus(await request(`${hmacProxy.url}/admin`, { token: hmacFresh.accessToken }), 200);
    });

    it('a slow authority: 503 within the timeout wherever it is needed, then recovery', async () => {
      const hmacPair = await login(hmacProxy.url, 'user1', 'passwd');
      signer.delayMs = 3000;
      hmac.delayMs = 3000;
      try {
        const loginMs = await expectUnavailable(loginCall(jwksProxy));
        expect(loginMs).toBeGreaterThanOrEqual(PROXY_DEFAULTS.authorityTimeout - 50);
        await expectUnavailable(profile(hmacProxy, hmacPair.accessToken));
        await waitUntil(lastJwksFetchAt, REFETCH_MS);
        await expectUnavailable(profile(jwksProxy, await stranger('another-rotated-key')));
        // Known kids need no authority: fast, and accepted.
        const known = await timed(profile(jwksProxy, user.accessToken));
        expectStatus(known.result, 200);
        expect(known.ms).toBeLessThan(PROXY_DEFAULTS.authorityTimeout / 2);
      } finally {
        signer.delayMs = 0;
        hmac.delayMs = 0;
      }
      expectStatus(await loginCall(jwksProxy)(), 200);
      expectStatus(await profile(hmacProxy, hmacPair.accessToken)(), 200);
    });

    it('a proxy started while its authority is down loads the keys once it is back', async () => {
      const pair = await login(signer.url, 'user1', 'passwd');
      await signer.stop();
      const late = await startApp(ProxyAppModule.with(signer.url, { algorithm: alg }), adapter);
      try {
        await expectUnavailable(profile(late, pair.accessToken));
        const failedAt = Date.now();
        await signer.restart();
        await waitUntil(failedAt, REFETCH_MS);
        expectStatus(await profile(late, pair.accessToken)(), 200);
      } finally {
        await late.close();
      }
    });
  });
});
