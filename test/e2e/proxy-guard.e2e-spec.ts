import { ADAPTERS, request, startApp, type RunningApp } from '../utils/http-app.js';
import {
  accessClaims,
  expectError,
  expectStatus,
  login,
  peekClaims,
  refresh,
  signToken,
  tamperSignature,
  unsignedToken,
  type TokenPair,
} from '../utils/jwt-e2e.js';
import { Authority } from '../fixtures/proxy/authority.fixture.js';
import { kidOf, waitUntil } from '../fixtures/proxy/helpers.js';
import { PROXY_ALGORITHMS, privateKey, signingOptions } from '../fixtures/proxy/keys.fixture.js';
import { ProxyAppModule } from '../fixtures/proxy/proxy-app.fixture.js';

/** Tokens the proxy must refuse on its guarded routes, and the code it must answer. */
const FORGERIES: {
  name: string;
  code: string;
  make: (
    alg: (typeof PROXY_ALGORITHMS)[number],
    kid: string,
    user: TokenPair,
  ) => string | Promise<string>;
}[] = [
  {
    name: 'signature changed',
    code: 'token_invalid',
    make: (_a, _k, user) => tamperSignature(user.accessToken),
  },
  {
    name: 'another key, same alg, the authority’s kid',
    code: 'token_invalid',
    make: (alg, kid) => signToken(alg, privateKey(alg, 'C'), accessClaims(), { kid }),
  },
  {
    name: 'another key, same alg, no kid',
    code: 'token_invalid',
    make: (alg) => signToken(alg, privateKey(alg, 'C'), accessClaims()),
  },
  {
    name: 'another key, same alg, its own kid',
    code: 'token_invalid',
    make: (alg) => signToken(alg, privateKey(alg, 'C'), accessClaims(), { kid: 'stranger' }),
  },
  { name: 'alg none', code: 'token_invalid', make: () => unsignedToken(accessClaims()) },
  {
    name: 'alg none with the authority’s kid',
    code: 'token_invalid',
    make: (_a, kid) => unsignedToken(accessClaims(), { kid }),
  },
  {
    name: 'a refresh token on an access route',
    code: 'token_wrong_type',
    make: (_a, _k, user) => user.refreshToken,
  },
  { name: 'not a JWT', code: 'token_malformed', make: () => 'not.a.jwt!' },
];

/**
 * Access tokens of 1 s, by algorithm, from an authority with the same keys (so the same kid):
 * made once at the start of the file, so only the first expiry test waits for them to expire.
 */
const expiring = new Map<string, { token: string; at: number }>();
beforeAll(async () => {
  for (const alg of PROXY_ALGORITHMS) {
    const shortLived = await Authority.start(
      { ...signingOptions(alg, 'A'), accessExpiration: 1 },
      'express',
    );
    const at = Date.now();
    expiring.set(alg, { token: (await login(shortLived.url, 'user1', 'passwd')).accessToken, at });
    await shortLived.stop();
  }
});

/** The proxy's own guarded routes, verifying the authority's tokens against its JWKS. */
describe.each(ADAPTERS)('proxy guards with the authority’s JWKS (%s)', (adapter) => {
  describe.each(PROXY_ALGORITHMS)('authority %s', (alg) => {
    let authority: Authority;
    let proxy: RunningApp;
    let user: TokenPair;
    let admin: TokenPair;
    let kid: string;

    beforeAll(async () => {
      authority = await Authority.start(signingOptions(alg, 'A'), adapter);
      proxy = await startApp(ProxyAppModule.with(authority.url, { algorithm: alg }), adapter);
      user = await login(proxy.url, 'user1', 'passwd');
      admin = await login(proxy.url, 'admin', 'admin');
      kid = kidOf(user.accessToken)!;
    });
    afterAll(async () => {
      await proxy?.close();
      await authority?.stop();
    });

    it('accepts the authority’s access tokens and gives their claims', async () => {
      const answer = await request(`${proxy.url}/profile`, { token: user.accessToken });
      expectStatus(answer, 200);
      expect(answer.body).toEqual(peekClaims(user.accessToken));
      expect(answer.body).toMatchObject({ sub: 'users:user1', obj: 'access', fresh: true });
      expectError(await request(`${proxy.url}/profile`), 401, 'token_missing');
    });

    it('@RequireScopes(admin): admin passes, user1 gets 403 insufficient_scope', async () => {
      const ok = await request(`${proxy.url}/admin`, { token: admin.accessToken });
      expectStatus(ok, 200);
      expect(ok.body).toEqual({ sub: 'users:admin' });
      expectError(
        await request(`${proxy.url}/admin`, { token: user.accessToken }),
        403,
        'insufficient_scope',
      );
    });

    it('accepts access tokens from a refresh made through the proxy', async () => {
      const renewed = await refresh(proxy.url, user.refreshToken);
      const answer = await request(`${proxy.url}/profile`, { token: renewed.accessToken });
      expectStatus(answer, 200);
      expect(answer.body).toMatchObject({ sub: 'users:user1', obj: 'access' });
      user = { accessToken: renewed.accessToken, refreshToken: renewed.refreshToken! };
    });

    it.each(FORGERIES)('refuses $name: 401 $code', async ({ make, code }) => {
      const token = await make(alg, kid, user);
      expectError(await request(`${proxy.url}/profile`, { token }), 401, code);
      expectError(await request(`${proxy.url}/admin`, { token }), 401, code);
    });

    it('a forged token with a valid signature shape never reaches the handler, even for admin', async () => {
      const forged = await signToken(
        alg,
        privateKey(alg, 'C'),
        accessClaims('users:admin', { scope: ['admin'] }),
        {
          kid,
        },
      );
      expectError(await request(`${proxy.url}/admin`, { token: forged }), 401, 'token_invalid');
    });

    it('a proxy that accepts only another algorithm refuses these tokens', async () => {
      const other = alg === 'RS256' ? 'ES256' : 'RS256';
      const strict = await startApp(
        ProxyAppModule.with(authority.url, { algorithm: other }),
        adapter,
      );
      try {
        expectError(
          await request(`${strict.url}/profile`, { token: user.accessToken }),
          401,
          'token_invalid',
        );
      } finally {
        await strict.close();
      }
    });

    it('JWKS mode needs no round trip: 40 guarded calls, no request to the authority', async () => {
      authority.log.reset();
      const calls = [];
      for (let i = 0; i < 10; i++) {
        calls.push(
          request(`${proxy.url}/profile`, { token: user.accessToken }),
          request(`${proxy.url}/profile`, { token: admin.accessToken }),
          request(`${proxy.url}/admin`, { token: admin.accessToken }),
          request(`${proxy.url}/admin`, { token: user.accessToken }),
        );
      }
      const statuses = (await Promise.all(calls)).map((answer) => answer.status);
      expect(statuses.filter((status) => status === 200)).toHaveLength(30);
      expect(statuses.filter((status) => status === 403)).toHaveLength(10);
      expect(authority.log.count()).toBe(0);
    });

    it('refuses an expired token of the authority: 401 token_expired', async () => {
      const { token, at } = expiring.get(alg)!;
      expect(kidOf(token)).toBe(kid);
      await waitUntil(at, 2100);
      expectError(await request(`${proxy.url}/profile`, { token }), 401, 'token_expired');
    });
  });
});
