import { setTimeout as sleep } from 'node:timers/promises';
import { ADAPTERS, request, startApp, type RunningApp } from '../utils/http-app.js';
import {
  AUTH,
  accessClaims,
  expectError,
  expectStatus,
  login,
  loginAnswer,
  peekClaims,
  refresh,
  signToken,
} from '../utils/jwt-e2e.js';
import { fixtureKeys } from '../fixtures/keys.fixture.js';
import { LocalAppModule } from '../fixtures/local-app.module.js';

/**
 * SPEC §4 codes about a token's state and the route's demands: token_expired, token_revoked,
 * token_wrong_type, token_not_fresh, insufficient_scope and not_found.
 */
describe.each(ADAPTERS)('error codes: token state and route demands (%s)', (adapter) => {
  let running: RunningApp;
  let base: string;
  const keys = fixtureKeys('HS256');

  beforeAll(async () => {
    running = await startApp(LocalAppModule.with(), adapter);
    base = running.url;
  });
  afterAll(() => running.close());

  describe('401 token_expired', () => {
    it('an access token past its exp, signed with the same key', async () => {
      const now = Math.floor(Date.now() / 1000);
      const token = await signToken(
        'HS256',
        keys.signingKey,
        accessClaims('users:user1', { iat: now - 120, exp: now - 60 }),
      );
      expectError(await request(`${base}/protected`, { token }), 401, 'token_expired');
      expectError(
        await request(`${base}${AUTH}/verify`, { method: 'POST', token }),
        401,
        'token_expired',
      );
    });

    it('a refresh token past its exp', async () => {
      const now = Math.floor(Date.now() / 1000);
      const claims = accessClaims('users:user1', { obj: 'refresh', iat: now - 120, exp: now - 1 });
      const token = await signToken('HS256', keys.signingKey, claims);
      expectError(
        await request(`${base}${AUTH}/refresh`, { method: 'POST', token }),
        401,
        'token_expired',
      );
    });
  });

  describe('401 token_revoked', () => {
    it('after POST /logout with the access token: both tokens of the session fail', async () => {
      const pair = await login(base, 'user1', 'passwd');
      const answer = await request(`${base}${AUTH}/logout`, {
        method: 'POST',
        token: pair.accessToken,
      });
      expectStatus(answer, 200);
      expect(answer.body).toEqual({ status: 'success' });
      expectError(
        await request(`${base}/protected`, { token: pair.accessToken }),
        401,
        'token_revoked',
      );
      expectError(
        await request(`${base}${AUTH}/claims`, { token: pair.accessToken }),
        401,
        'token_revoked',
      );
      expectError(
        await request(`${base}${AUTH}/refresh`, { method: 'POST', token: pair.refreshToken }),
        401,
        'token_revoked',
      );
    });

    it('after POST /logout with the refresh token (SPEC §4: access or refresh)', async () => {
      const pair = await login(base, 'user1', 'passwd');
      expectStatus(
        await request(`${base}${AUTH}/logout`, { method: 'POST', token: pair.refreshToken }),
        200,
      );
      expectError(
        await request(`${base}/protected`, { token: pair.accessToken }),
        401,
        'token_revoked',
      );
    });

    it('after DELETE /sessions/:id', async () => {
      const victim = await login(base, 'user1', 'passwd');
      const { accessToken } = await login(base, 'user1', 'passwd');
      const sid = peekClaims(victim.accessToken).sid as string;
      expectStatus(
        await request(`${base}${AUTH}/sessions/${sid}`, { method: 'DELETE', token: accessToken }),
        204,
      );
      expectError(
        await request(`${base}/protected`, { token: victim.accessToken }),
        401,
        'token_revoked',
      );
      expectError(
        await request(`${base}${AUTH}/token`, { method: 'PATCH', token: victim.refreshToken }),
        401,
        'token_revoked',
      );
      expectStatus(await request(`${base}/protected`, { token: accessToken }), 200);
    });

    it('logging out twice: the second call is refused as revoked', async () => {
      const { accessToken } = await login(base, 'user1', 'passwd');
      expectStatus(
        await request(`${base}${AUTH}/logout`, { method: 'POST', token: accessToken }),
        200,
      );
      expectError(
        await request(`${base}${AUTH}/logout`, { method: 'POST', token: accessToken }),
        401,
        'token_revoked',
      );
    });
  });

  describe('401 token_wrong_type', () => {
    it('a refresh token on access routes, an access token on refresh routes', async () => {
      const { accessToken, refreshToken } = await login(base, 'user1', 'passwd');
      expectError(
        await request(`${base}/protected`, { token: refreshToken }),
        401,
        'token_wrong_type',
      );
      expectError(
        await request(`${base}${AUTH}/sessions`, { token: refreshToken }),
        401,
        'token_wrong_type',
      );
      expectError(
        await request(`${base}/protected/refresh`, { token: accessToken }),
        401,
        'token_wrong_type',
      );
      expectError(
        await request(`${base}${AUTH}/refresh`, { method: 'POST', token: accessToken }),
        401,
        'token_wrong_type',
      );
    });
  });

  describe('403 token_not_fresh', () => {
    it('a @Fresh() route takes the access token from login, not one from refresh', async () => {
      const first = await login(base, 'user1', 'passwd');
      expectStatus(
        await request(`${base}/protected/fresh`, { method: 'POST', token: first.accessToken }),
        200,
      );
      const renewed = await refresh(base, first.refreshToken);
      expectError(
        await request(`${base}/protected/fresh`, { method: 'POST', token: renewed.accessToken }),
        403,
        'token_not_fresh',
      );
      // A fresh claim that is not `true` is not fresh either.
      const forged = await signToken(
        'HS256',
        keys.signingKey,
        accessClaims('users:user1', { fresh: false }),
      );
      expectError(
        await request(`${base}/protected/fresh`, { method: 'POST', token: forged }),
        403,
        'token_not_fresh',
      );
    });
  });

  describe('403 insufficient_scope', () => {
    it('user1 (no scope) is refused, with a scope challenge', async () => {
      const { accessToken } = await login(base, 'user1', 'passwd');
      const answer = await request(`${base}/protected/admin`, { token: accessToken });
      expectError(answer, 403, 'insufficient_scope');
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer .*insufficient_scope/);
    });

    it('admin (scope as an array) and operator (scope as a space-separated string) pass', async () => {
      for (const [user, password] of [
        ['admin', 'admin'],
        ['operator', 'operator'],
      ] as const) {
        const { accessToken } = await login(base, user, password);
        const answer = await request(`${base}/protected/admin`, { token: accessToken });
        expectStatus(answer, 200);
        expect(answer.body).toEqual({ sub: `users:${user}` });
      }
    });

    it.each([
      ['a longer scope name', 'administrator'],
      ['a scope list without admin', 'read write'],
      ['an array without admin', ['read', 'ADMIN']],
      ['a scope that is not a string or an array', 42],
    ])('%s is refused', async (_name, scope) => {
      const token = await signToken(
        'HS256',
        keys.signingKey,
        accessClaims('users:user1', { scope }),
      );
      expectError(await request(`${base}/protected/admin`, { token }), 403, 'insufficient_scope');
    });
  });

  describe('404 not_found', () => {
    it("DELETE another user's session: 404, and that session lives on", async () => {
      const victim = await login(base, 'admin', 'admin');
      const { accessToken } = await login(base, 'user1', 'passwd');
      const sid = peekClaims(victim.accessToken).sid as string;
      expectError(
        await request(`${base}${AUTH}/sessions/${sid}`, { method: 'DELETE', token: accessToken }),
        404,
        'not_found',
      );
      expectStatus(await request(`${base}/protected`, { token: victim.accessToken }), 200);
      expectStatus(
        await request(`${base}${AUTH}/refresh`, { method: 'POST', token: victim.refreshToken }),
        200,
      );
    });

    it('DELETE an unknown or already revoked session', async () => {
      const { accessToken } = await login(base, 'user1', 'passwd');
      const other = await login(base, 'user1', 'passwd');
      const sid = peekClaims(other.accessToken).sid as string;
      expectError(
        await request(`${base}${AUTH}/sessions/no-such-session`, {
          method: 'DELETE',
          token: accessToken,
        }),
        404,
        'not_found',
      );
      expectStatus(
        await request(`${base}${AUTH}/sessions/${sid}`, { method: 'DELETE', token: accessToken }),
        204,
      );
      expectError(
        await request(`${base}${AUTH}/sessions/${sid}`, { method: 'DELETE', token: accessToken }),
        404,
        'not_found',
      );
    });

    it('GET /jwks with HS256: no public key to publish', async () => {
      expectError(await request(`${base}${AUTH}/jwks`), 404, 'not_found');
    });
  });
});

describe.each(ADAPTERS)('error codes: real expiry (%s)', (adapter) => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp(LocalAppModule.with({ accessExpiration: 2 }), adapter);
  });
  afterAll(() => running.close());

  // exp = floor(iat) + 2: the token lives more than 1 s and less than 2 s, whatever the moment of
  // login, so it is surely alive right after login and surely dead 2.1 s later.
  it('an access token used before and after its 2-second lifetime', async () => {
    const { accessToken, refreshToken } = await login(running.url, 'user1', 'passwd');
    expectStatus(await request(`${running.url}/protected`, { token: accessToken }), 200);
    await sleep(2100);
    expectError(
      await request(`${running.url}/protected`, { token: accessToken }),
      401,
      'token_expired',
    );
    expectError(
      await request(`${running.url}${AUTH}/verify`, { method: 'POST', token: accessToken }),
      401,
      'token_expired',
    );
    // The refresh token lives on and gives a working access token.
    const renewed = await refresh(running.url, refreshToken);
    expectStatus(await request(`${running.url}/protected`, { token: renewed.accessToken }), 200);
  });
});

describe.each(ADAPTERS)('error codes: login throttle (%s)', (adapter) => {
  let running: RunningApp;
  beforeAll(async () => {
    const loginThrottle = { limit: 3, ipLimit: 100, ttl: 60, blockDuration: 60 };
    running = await startApp(LocalAppModule.with({ loginThrottle }), adapter);
  });
  afterAll(() => running.close());

  it('429 too_many_attempts with Retry-After once a login name is over its limit', async () => {
    const attempt = (user: string, password: string) => loginAnswer(running.url, user, password);
    for (let i = 0; i < 3; i++) {
      expectError(await attempt('user1', 'wrong'), 401, 'invalid_credentials');
    }
    for (const password of ['wrong', 'passwd']) {
      const answer = await attempt('user1', password);
      expectError(answer, 429, 'too_many_attempts');
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    // Another login name is not blocked.
    expectStatus(await attempt('admin', 'admin'), 200);
  });

  it('a successful login resets its name: the count starts again from zero', async () => {
    const attempt = (password: string) => loginAnswer(running.url, 'operator', password);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 2; i++) {
        expectError(await attempt('wrong'), 401, 'invalid_credentials');
      }
      expectStatus(await attempt('operator'), 200);
    }
  });
});

describe.each(ADAPTERS)('error codes: login throttle per address (%s)', (adapter) => {
  let running: RunningApp;
  beforeAll(async () => {
    const loginThrottle = { limit: 100, ipLimit: 3, ttl: 60, blockDuration: 60 };
    running = await startApp(LocalAppModule.with({ loginThrottle }), adapter);
  });
  afterAll(() => running.close());

  it('429 too_many_attempts once one address failed over its limit, whatever the names', async () => {
    for (const name of ['ghost-1', 'ghost-2', 'ghost-3']) {
      expectError(await loginAnswer(running.url, name, 'wrong'), 401, 'invalid_credentials');
    }
    const answer = await loginAnswer(running.url, 'user1', 'passwd');
    expectError(answer, 429, 'too_many_attempts');
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});
