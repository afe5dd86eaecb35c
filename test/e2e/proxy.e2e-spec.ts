import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { ADAPTERS, request, startApp, type RunningApp } from '../utils/http-app.js';
import {
  AUTH,
  expectError,
  expectRenewed,
  expectStatus,
  login,
  peekClaims,
  tamperSignature,
  type TokenPair,
} from '../utils/jwt-e2e.js';
import { Authority, THROTTLED_LOGIN } from '../fixtures/proxy/authority.fixture.js';
import { visible } from '../fixtures/proxy/helpers.js';
import { PROXY_ALGORITHMS, signingOptions } from '../fixtures/proxy/keys.fixture.js';
import { ProxyAppModule } from '../fixtures/proxy/proxy-app.fixture.js';

type Init = Parameters<typeof request>[1];

/** A refusal the proxy must pass back as the authority gives it: route, request, status, code. */
interface Refusal {
  name: string;
  method: string;
  path: string;
  init: (pair: TokenPair) => Init;
  status: number;
  code: string;
}

const REFUSALS: Refusal[] = [
  {
    name: 'wrong password',
    method: 'POST',
    path: '/login',
    init: () => ({ json: { login: 'user1', password: 'wrong' } }),
    status: 401,
    code: 'invalid_credentials',
  },
  {
    name: 'unknown login (POST /token)',
    method: 'POST',
    path: '/token',
    init: () => ({ form: { login: 'nobody', password: 'passwd' } }),
    status: 401,
    code: 'invalid_credentials',
  },
  {
    name: 'throttled login, with Retry-After',
    method: 'POST',
    path: '/login',
    init: () => ({ json: { login: THROTTLED_LOGIN, password: 'x' } }),
    status: 429,
    code: 'too_many_attempts',
  },
  {
    name: 'client-requested claim that is not allowed',
    method: 'POST',
    path: '/login',
    init: () => ({ json: { login: 'user1', password: 'passwd', claims: { role: 'root' } } }),
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'login without a body',
    method: 'POST',
    path: '/login',
    init: () => ({}),
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'refresh with an access token (POST /refresh)',
    method: 'POST',
    path: '/refresh',
    init: (pair) => ({ token: pair.accessToken }),
    status: 401,
    code: 'token_wrong_type',
  },
  {
    name: 'refresh with a forged refresh token (PATCH /token)',
    method: 'PATCH',
    path: '/token',
    init: (pair) => ({ token: tamperSignature(pair.refreshToken) }),
    status: 401,
    code: 'token_invalid',
  },
  {
    name: 'verify a refresh token',
    method: 'POST',
    path: '/verify',
    init: (pair) => ({ token: pair.refreshToken }),
    status: 401,
    code: 'token_wrong_type',
  },
  {
    name: 'GET /token?obj=refresh with an access token',
    method: 'GET',
    path: '/token?obj=refresh',
    init: (pair) => ({ token: pair.accessToken }),
    status: 401,
    code: 'token_wrong_type',
  },
  {
    name: 'GET /token?obj=bogus',
    method: 'GET',
    path: '/token?obj=bogus',
    init: (pair) => ({ token: pair.accessToken }),
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'claims without a token',
    method: 'GET',
    path: '/claims',
    init: () => ({}),
    status: 401,
    code: 'token_missing',
  },
  {
    name: 'sessions with a token that is not a JWT',
    method: 'GET',
    path: '/sessions',
    init: () => ({ token: 'not-a-jwt' }),
    status: 401,
    code: 'token_malformed',
  },
  {
    name: 'revoke a session that does not exist',
    method: 'DELETE',
    path: '/sessions/no-such-session',
    init: (pair) => ({ token: pair.accessToken }),
    status: 404,
    code: 'not_found',
  },
];

/** Proxy mode, SPEC §4 and issue 4: every auth route goes to the authority and comes back. */
describe.each(ADAPTERS)('proxy mode forwards the auth routes (%s)', (adapter) => {
  describe.each(PROXY_ALGORITHMS)('authority %s', (alg) => {
    let authority: Authority;
    let proxy: RunningApp;
    let jwks: JSONWebKeySet;
    let session: TokenPair;
    const direct = (path: string): string => `${authority.url}${AUTH}${path}`;
    const proxied = (path: string): string => `${proxy.url}${AUTH}${path}`;

    beforeAll(async () => {
      authority = await Authority.start(
        { ...signingOptions(alg, 'A'), allowedClaims: { lang: ['en', 'fr'] } },
        adapter,
      );
      proxy = await startApp(ProxyAppModule.with(authority.url, { algorithm: alg }), adapter);
      jwks = (await request(direct('/jwks'))).body;
      session = await login(authority.url, 'user1', 'passwd');
    });
    afterAll(async () => {
      await proxy?.close();
      await authority?.stop();
    });

    it('login (POST /login, POST /token, JSON or form) returns the authority’s tokens', async () => {
      authority.log.reset();
      const answer = await request(proxied('/login'), {
        method: 'POST',
        json: { login: 'admin', password: 'admin' },
      });
      expectStatus(answer, 200);
      expect(answer.body).toEqual({
        status: 'success',
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
      });
      expect(answer.headers.get('cache-control')).toBe('no-store');
      const { payload } = await jwtVerify(answer.body.accessToken, createLocalJWKSet(jwks), {
        algorithms: [alg],
      });
      expect(payload).toMatchObject({ sub: 'users:admin', obj: 'access', scope: ['admin'] });

      const form = await request(proxied('/token'), {
        method: 'POST',
        form: { login: 'user1', password: 'passwd' },
      });
      expectStatus(form, 200);
      expect(peekClaims(form.body.refreshToken)).toMatchObject({
        sub: 'users:user1',
        obj: 'refresh',
      });
      // Both went to the authority's PyAMS alias.
      expect(authority.log.count('POST token')).toBe(2);
      expect(authority.log.count()).toBe(2);
    });

    it('login forwards the client-requested claims the authority allows', async () => {
      const answer = await request(proxied('/login'), {
        method: 'POST',
        json: { login: 'user1', password: 'passwd', claims: { lang: 'fr' } },
      });
      expectStatus(answer, 200);
      expect(peekClaims(answer.body.accessToken)).toMatchObject({ sub: 'users:user1', lang: 'fr' });
    });

    it.each(REFUSALS)('$name: $status $code, exactly as the authority answers', async (refusal) => {
      const init = { method: refusal.method, ...refusal.init(session) };
      const fromAuthority = await request(direct(refusal.path), init);
      const throughProxy = await request(proxied(refusal.path), init);
      expectError(throughProxy, refusal.status, refusal.code);
      expect(visible(throughProxy)).toEqual(visible(fromAuthority));
      if (refusal.status === 429) expect(throughProxy.headers.get('retry-after')).toBe('42');
    });

    it('refresh through PATCH /token and POST /refresh; a replayed refresh token is refused', async () => {
      const first = await login(proxy.url, 'user1', 'passwd');
      const patched = await request(proxied('/token'), {
        method: 'PATCH',
        token: first.refreshToken,
      });
      const access = expectRenewed(patched, first);

      const posted = await request(proxied('/refresh'), {
        method: 'POST',
        token: patched.body.refreshToken,
      });
      expectStatus(posted, 200);
      expect(peekClaims(posted.body.accessToken).sid).toBe(access.sid);

      const replay = await request(proxied('/refresh'), {
        method: 'POST',
        token: first.refreshToken,
      });
      expectError(replay, 401, 'token_revoked');
    });

    it('verify and claims (GET /claims, GET /token, GET /token?obj=refresh)', async () => {
      const pair = await login(proxy.url, 'user1', 'passwd');
      const verified = await request(proxied('/verify'), {
        method: 'POST',
        token: pair.accessToken,
      });
      expectStatus(verified, 200);
      expect(verified.body).toEqual({ status: 'success' });

      const claims = await request(proxied('/claims'), { token: pair.accessToken });
      expectStatus(claims, 200);
      expect(claims.body).toEqual(peekClaims(pair.accessToken));

      const refreshClaims = await request(proxied('/token?obj=refresh'), {
        token: pair.refreshToken,
      });
      expectStatus(refreshClaims, 200);
      expect(refreshClaims.body).toEqual(peekClaims(pair.refreshToken));

      const either = await request(proxied('/token'), { token: pair.refreshToken });
      expect(either.body).toEqual(peekClaims(pair.refreshToken));
    });

    it('sessions: listed and revoked at the authority, user agent forwarded', async () => {
      const one = await login(proxy.url, 'operator', 'operator', {
        headers: { 'user-agent': 'proxy-e2e/1' },
      });
      const two = await login(proxy.url, 'operator', 'operator', {
        headers: { 'user-agent': 'proxy-e2e/2' },
      });
      const sidOne = peekClaims(one.accessToken).sid;
      const sidTwo = peekClaims(two.accessToken).sid;

      const listed = await request(proxied('/sessions'), { token: one.accessToken });
      expectStatus(listed, 200);
      expect(listed.body).toHaveLength(2);
      expect(listed.body).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ id: sidOne, current: true, userAgent: 'proxy-e2e/1' }),
          expect.objectContaining({ id: sidTwo, current: false, userAgent: 'proxy-e2e/2' }),
        ]),
      );

      const removed = await request(proxied(`/sessions/${String(sidTwo)}`), {
        method: 'DELETE',
        token: one.accessToken,
      });
      expect({ status: removed.status, body: removed.body }).toEqual({
        status: 204,
        body: undefined,
      });
      expectError(
        await request(proxied('/token'), { method: 'PATCH', token: two.refreshToken }),
        401,
        'token_revoked',
      );
      const after = await request(proxied('/sessions'), { token: one.accessToken });
      expect(after.body.map((s: { id: string }) => s.id)).toEqual([sidOne]);
    });

    it('logout revokes the session at the authority', async () => {
      const pair = await login(proxy.url, 'user1', 'passwd');
      const out = await request(proxied('/logout'), { method: 'POST', token: pair.accessToken });
      expectStatus(out, 200);
      expect(out.body).toEqual({ status: 'success' });
      expectError(
        await request(proxied('/verify'), { method: 'POST', token: pair.accessToken }),
        401,
        'token_revoked',
      );
      expectError(
        await request(proxied('/refresh'), { method: 'POST', token: pair.refreshToken }),
        401,
        'token_revoked',
      );
    });

    // SPEC §4: after logout "that session's tokens are revoked", on the app the user logged out of.
    it('logout through the proxy: the proxy’s own guarded routes refuse the session at once', async () => {
      const pair = await login(proxy.url, 'user1', 'passwd');
      expectStatus(await request(`${proxy.url}/profile`, { token: pair.accessToken }), 200);
      expectStatus(
        await request(proxied('/logout'), { method: 'POST', token: pair.accessToken }),
        200,
      );
      expectError(
        await request(`${proxy.url}/profile`, { token: pair.accessToken }),
        401,
        'token_revoked',
      );
    });

    it('a session revoked through the proxy is refused by the proxy’s guard at once', async () => {
      const mine = await login(proxy.url, 'user1', 'passwd');
      const other = await login(proxy.url, 'user1', 'passwd');
      expectStatus(await request(`${proxy.url}/profile`, { token: other.accessToken }), 200);
      const sid = String(peekClaims(other.accessToken).sid);
      const removed = await request(proxied(`/sessions/${sid}`), {
        method: 'DELETE',
        token: mine.accessToken,
      });
      expect(removed.status).toBe(204);
      expectError(
        await request(`${proxy.url}/profile`, { token: other.accessToken }),
        401,
        'token_revoked',
      );
      expectStatus(await request(`${proxy.url}/profile`, { token: mine.accessToken }), 200);
    });

    it('forwarded calls reuse a keep-alive connection to the authority', async () => {
      authority.log.reset();
      for (let i = 0; i < 10; i++) {
        expectStatus(
          await request(proxied('/verify'), { method: 'POST', token: session.accessToken }),
          200,
        );
      }
      expect(authority.log.count('POST verify')).toBe(10);
      expect(authority.log.connections()).toBe(1);
    });

    it('GET /jwks answers the authority’s key set', async () => {
      const answer = await request(proxied('/jwks'));
      expectStatus(answer, 200);
      expect(answer.body).toEqual(jwks);
      expect(answer.body.keys[0]).toMatchObject({ alg, use: 'sig' });
    });
  });
});
