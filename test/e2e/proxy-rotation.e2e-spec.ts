import { ADAPTERS, request, startApp, type RunningApp } from '../utils/http-app.js';
import {
  AUTH,
  accessClaims,
  expectError,
  expectStatus,
  login,
  refresh,
  signToken,
  type TokenPair,
} from '../utils/jwt-e2e.js';
import { Authority } from '../fixtures/proxy/authority.fixture.js';
import { kidOf, timed, waitUntil } from '../fixtures/proxy/helpers.js';
import {
  PROXY_ALGORITHMS,
  privateKey,
  signingOptions,
  verificationKey,
} from '../fixtures/proxy/keys.fixture.js';
import { PROXY_DEFAULTS, ProxyAppModule } from '../fixtures/proxy/proxy-app.fixture.js';

const INTERVAL_MS = PROXY_DEFAULTS.jwksRefetchInterval * 1000;
/** Past the refetch interval, with a margin. */
const REFETCH_MS = INTERVAL_MS + 100;
const STORM = 20;

/**
 * Key rotation on the authority (issue 4 §2): the proxy picks a new signing key up through one
 * JWKS refetch on its unknown `kid`, keeps the older keys the authority still lists, and never
 * fetches more than once per `jwksRefetchInterval` however many unknown kids it is shown.
 */
describe.each(ADAPTERS)('key rotation seen through the proxy (%s)', (adapter) => {
  describe.each(PROXY_ALGORITHMS)('authority %s', (alg) => {
    let authority: Authority;
    let proxy: RunningApp;
    /** When the proxy last fetched (or may have fetched) the JWKS. */
    let fetchedAt: number;
    let before: TokenPair;
    const jwksFetches = (): number => authority.log.count('GET jwks');
    const profile = (token: string) => request(`${proxy.url}/profile`, { token });
    const jwksKids = async (): Promise<string[]> =>
      (await request(`${authority.url}${AUTH}/jwks`)).body.keys.map((k: { kid: string }) => k.kid);
    const stranger = () =>
      signToken(alg, privateKey(alg, 'C'), accessClaims(), { kid: 'stranger' });

    beforeAll(async () => {
      authority = await Authority.start(signingOptions(alg, 'A', 'key-a'), adapter);
      proxy = await startApp(ProxyAppModule.with(authority.url, { algorithm: alg }), adapter);
      // Taken once the proxy has started, and so fetched: a bound on the fetch, not before it.
      fetchedAt = Date.now();
    });
    afterAll(async () => {
      await proxy?.close();
      await authority?.stop();
    });

    it('before the rotation the authority signs with key A', async () => {
      before = await login(proxy.url, 'user1', 'passwd');
      expect(kidOf(before.accessToken)).toBe('key-a');
      expectStatus(await profile(before.accessToken), 200);
      expect(await jwksKids()).toEqual(['key-a']);
    });

    it('signing with B while listing A: tokens from before and after both verify, one refetch', async () => {
      await authority.restart({
        ...signingOptions(alg, 'B', 'key-b'),
        verificationKeys: [verificationKey(alg, 'A', 'key-a')],
      });
      expect((await jwksKids()).sort()).toEqual(['key-a', 'key-b']);
      await waitUntil(fetchedAt, REFETCH_MS);
      authority.log.reset();

      const after = await login(proxy.url, 'admin', 'admin');
      expect(kidOf(after.accessToken)).toBe('key-b');
      expectStatus(await profile(after.accessToken), 200);
      fetchedAt = Date.now();
      expectStatus(await request(`${proxy.url}/admin`, { token: after.accessToken }), 200);
      expect(jwksFetches()).toBe(1);
      for (let i = 0; i < 5; i++) {
        expectStatus(await profile(before.accessToken), 200);
        expectStatus(await profile(after.accessToken), 200);
      }
      expect(jwksFetches()).toBe(1);
    });

    it('nobody is logged out: the refresh token signed with A gives tokens signed with B', async () => {
      const renewed = await refresh(proxy.url, before.refreshToken);
      expect(kidOf(renewed.accessToken)).toBe('key-b');
      expect(kidOf(renewed.refreshToken!)).toBe('key-b');
      expectStatus(await profile(renewed.accessToken), 200);
      expectStatus(
        await request(`${proxy.url}${AUTH}/verify`, { method: 'POST', token: before.accessToken }),
        200,
      );
      before = { accessToken: renewed.accessToken, refreshToken: renewed.refreshToken! };
    });

    it(`${STORM} unknown-kid requests in a row: at most one JWKS fetch per interval`, async () => {
      await waitUntil(fetchedAt, REFETCH_MS);
      authority.log.reset();
      const token = await stranger();
      const { ms } = await timed(async () => {
        for (let i = 0; i < STORM; i++) expectError(await profile(token), 401, 'token_invalid');
      });
      fetchedAt = Date.now();
      expect(jwksFetches()).toBeGreaterThanOrEqual(1);
      expect(jwksFetches()).toBeLessThanOrEqual(1 + Math.floor(ms / INTERVAL_MS));
      expect(authority.log.count()).toBe(jwksFetches());
      expectStatus(await profile(before.accessToken), 200);
    });

    it(`${STORM} concurrent unknown-kid requests share one JWKS fetch`, async () => {
      await waitUntil(fetchedAt, REFETCH_MS);
      authority.log.reset();
      const token = await stranger();
      const { result, ms } = await timed(() =>
        Promise.all(Array.from({ length: STORM }, () => profile(token))),
      );
      fetchedAt = Date.now();
      for (const answer of result) expectError(answer, 401, 'token_invalid');
      expect(jwksFetches()).toBeGreaterThanOrEqual(1);
      expect(jwksFetches()).toBeLessThanOrEqual(1 + Math.floor(ms / INTERVAL_MS));
    });

    it(`an authority failing its JWKS: ${STORM} unknown-kid requests, at most one fetch per interval`, async () => {
      await waitUntil(fetchedAt, REFETCH_MS);
      const token = await stranger();
      authority.log.reset();
      authority.failWith = 500;
      try {
        const { result, ms } = await timed(async () => {
          const answers = [];
          for (let i = 0; i < STORM; i++) answers.push(await profile(token));
          return answers;
        });
        fetchedAt = Date.now();
        expectError(result[0]!, 503, 'service_unavailable');
        for (const answer of result) {
          expect(['token_invalid', 'service_unavailable']).toContain(answer.body.code);
        }
        expect(jwksFetches()).toBeLessThanOrEqual(1 + Math.floor(ms / INTERVAL_MS));
        // Known kids need no fetch, failing authority or not.
        expectStatus(await profile(before.accessToken), 200);
      } finally {
        authority.failWith = undefined;
      }
    });

    it('a key the authority no longer lists is dropped by the proxy at the next refetch', async () => {
      const withA = await signToken(alg, privateKey(alg, 'A'), accessClaims(), {
        kid: 'key-a',
      });
      expectStatus(await profile(withA), 200);
      // Second rotation: D signs, B is kept, A is retired.
      await authority.restart({
        ...signingOptions(alg, 'D', 'key-d'),
        verificationKeys: [verificationKey(alg, 'B', 'key-b')],
      });
      await waitUntil(fetchedAt, REFETCH_MS);
      authority.log.reset();
      const latest = await login(proxy.url, 'user1', 'passwd');
      expect(kidOf(latest.accessToken)).toBe('key-d');
      expectStatus(await profile(latest.accessToken), 200);
      expectStatus(await profile(before.accessToken), 200);
      expectError(await profile(withA), 401, 'token_invalid');
      expect(jwksFetches()).toBe(1);
    });
  });
});
