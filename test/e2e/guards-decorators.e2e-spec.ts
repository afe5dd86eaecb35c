import { ADAPTERS, request, startApp, type RunningApp } from '../utils/http-app.js';
import {
  AUTH,
  expectError,
  expectStatus,
  login,
  loginAnswer,
  peekClaims,
  refresh,
} from '../utils/jwt-e2e.js';
import { GlobalGuardModule } from '../fixtures/global-guard.module.js';
import { FixtureUsers } from '../fixtures/users.fixture.js';

/** `JwtAuthGuard` as a global guard, and every decorator, on an ES256 app. */
describe.each(ADAPTERS)('global JwtAuthGuard and decorators (%s)', (adapter) => {
  let running: RunningApp;
  let base: string;

  beforeAll(async () => {
    running = await startApp(GlobalGuardModule, adapter);
    base = running.url;
  });
  afterAll(() => running.close());

  describe('@Public()', () => {
    it('opens a route and a whole controller, with or without a token, good or bad', async () => {
      const { accessToken } = await login(base, 'user1', 'passwd');
      for (const init of [{}, { token: accessToken }, { token: 'garbage' }]) {
        const open = await request(`${base}/global/open`, init);
        expectStatus(open, 200);
        expect(open.body).toEqual({ open: true, authenticated: false });
        expectStatus(await request(`${base}/health`, init), 200);
      }
    });

    it('leaves the auth controller usable: login needs no token, verify checks its own', async () => {
      const answer = await loginAnswer(base, 'user1', 'passwd');
      expectStatus(answer, 200);
      expectStatus(
        await request(`${base}${AUTH}/verify`, { method: 'POST', token: answer.body.accessToken }),
        200,
      );
      expectStatus(await request(`${base}${AUTH}/jwks`), 200);
      expectStatus(
        await request(`${base}${AUTH}/refresh`, {
          method: 'POST',
          token: answer.body.refreshToken,
        }),
        200,
      );
      expectError(await request(`${base}${AUTH}/verify`, { method: 'POST' }), 401, 'token_missing');
    });

    it('other routes are closed by the global guard', async () => {
      expectError(await request(`${base}/global/claims`), 401, 'token_missing');
      expectError(await request(`${base}/global/me`, { token: 'garbage' }), 401, 'token_malformed');
    });
  });

  describe('@CurrentClaims()', () => {
    it("gives all the claims, and one claim with @CurrentClaims('sub')", async () => {
      const { accessToken } = await login(base, 'admin', 'admin');
      const answer = await request(`${base}/global/claims`, { token: accessToken });
      expectStatus(answer, 200);
      expect(answer.body).toEqual({ sub: 'users:admin', claims: peekClaims(accessToken) });
    });
  });

  describe('@OptionalJwt()', () => {
    it('no token: anonymous', async () => {
      const answer = await request(`${base}/global/optional`);
      expectStatus(answer, 200);
      expect(answer.body).toEqual({ sub: null });
    });

    it('a good token: its claims', async () => {
      const { accessToken } = await login(base, 'user1', 'passwd');
      expect((await request(`${base}/global/optional`, { token: accessToken })).body).toEqual({
        sub: 'users:user1',
      });
    });

    it('a bad token is still refused', async () => {
      const { accessToken, refreshToken } = await login(base, 'user1', 'passwd');
      expectError(
        await request(`${base}/global/optional`, { token: 'garbage' }),
        401,
        'token_malformed',
      );
      expectError(
        await request(`${base}/global/optional`, { token: `${accessToken}x` }),
        401,
        'token_invalid',
      );
      expectError(
        await request(`${base}/global/optional`, { token: refreshToken }),
        401,
        'token_wrong_type',
      );
    });
  });

  describe("@JwtObject('refresh')", () => {
    it('takes the refresh token and refuses the access token', async () => {
      const { accessToken, refreshToken } = await login(base, 'user1', 'passwd');
      const answer = await request(`${base}/global/refresh`, { token: refreshToken });
      expectStatus(answer, 200);
      expect(answer.body).toEqual({ obj: 'refresh' });
      expectError(
        await request(`${base}/global/refresh`, { token: accessToken }),
        401,
        'token_wrong_type',
      );
    });
  });

  describe('@CurrentPrincipal() with a PrincipalLoader', () => {
    it('gives the loaded principal', async () => {
      const { accessToken } = await login(base, 'user1', 'passwd');
      const answer = await request(`${base}/global/me`, { token: accessToken });
      expectStatus(answer, 200);
      expect(answer.body).toEqual({ login: 'user1', sub: 'users:user1' });
    });

    it('a principal that no longer exists makes its tokens fail with token_revoked', async () => {
      const users = running.app.get(FixtureUsers);
      users.add({ login: `temp-${adapter}`, password: 'temp', sub: `users:temp-${adapter}` });
      const { accessToken, refreshToken } = await login(base, `temp-${adapter}`, 'temp');
      expectStatus(await request(`${base}/global/me`, { token: accessToken }), 200);
      users.remove(`temp-${adapter}`);
      expectError(await request(`${base}/global/me`, { token: accessToken }), 401, 'token_revoked');
      expectError(
        await request(`${base}/global/claims`, { token: accessToken }),
        401,
        'token_revoked',
      );
      expectError(
        await request(`${base}${AUTH}/verify`, { method: 'POST', token: accessToken }),
        401,
        'token_revoked',
      );
      expectError(
        await request(`${base}${AUTH}/refresh`, { method: 'POST', token: refreshToken }),
        401,
        'token_revoked',
      );
    });
  });

  describe('a method-level decorator overrides the class-level one', () => {
    it('class: @RequireScopes(admin) and @JwtObject(refresh)', async () => {
      const admin = await login(base, 'admin', 'admin');
      const user = await login(base, 'user1', 'passwd');
      expectStatus(await request(`${base}/scoped/class`, { token: admin.refreshToken }), 200);
      expectError(
        await request(`${base}/scoped/class`, { token: admin.accessToken }),
        401,
        'token_wrong_type',
      );
      expectError(
        await request(`${base}/scoped/class`, { token: user.refreshToken }),
        403,
        'insufficient_scope',
      );
    });

    it("method @RequireScopes('reports') replaces the class's admin", async () => {
      const admin = await login(base, 'admin', 'admin');
      const operator = await login(base, 'operator', 'operator');
      expectError(
        await request(`${base}/scoped/method-scope`, { token: admin.refreshToken }),
        403,
        'insufficient_scope',
      );
      expectStatus(
        await request(`${base}/scoped/method-scope`, { token: operator.refreshToken }),
        200,
      );
    });

    it("method @JwtObject('access') replaces the class's refresh", async () => {
      const admin = await login(base, 'admin', 'admin');
      const answer = await request(`${base}/scoped/method-object`, { token: admin.accessToken });
      expectStatus(answer, 200);
      expect(answer.body).toEqual({ obj: 'access' });
      expectError(
        await request(`${base}/scoped/method-object`, { token: admin.refreshToken }),
        401,
        'token_wrong_type',
      );
      // The class-level scope still applies there.
      const user = await login(base, 'user1', 'passwd');
      expectError(
        await request(`${base}/scoped/method-object`, { token: user.accessToken }),
        403,
        'insufficient_scope',
      );
    });

    it('a refreshed token keeps the custom claims the class-level scope needs', async () => {
      const admin = await login(base, 'admin', 'admin');
      const renewed = await refresh(base, admin.refreshToken);
      expectStatus(await request(`${base}/scoped/class`, { token: renewed.refreshToken! }), 200);
    });
  });
});
