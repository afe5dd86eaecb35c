import { ADAPTERS, request, startApp, type RunningApp } from '../utils/http-app.js';
import {
  AUTH,
  expectError,
  expectRenewed,
  expectStatus,
  login,
  peekClaims,
} from '../utils/jwt-e2e.js';
import { LocalAppModule } from '../fixtures/local-app.module.js';

/**
 * The PyAMS_auth_jwt scenario (its doctests, over HTTP): login, use, refresh, verify, claims and
 * the PyAMS aliases, on an HS256 local authority.
 */
describe.each(ADAPTERS)('PyAMS_auth_jwt scenario (%s)', (adapter) => {
  let running: RunningApp;
  let url: string;

  beforeAll(async () => {
    running = await startApp(LocalAppModule.with(), adapter);
    url = `${running.url}${AUTH}`;
  });
  afterAll(() => running.close());

  describe('login', () => {
    it('refuses bad credentials with 401 invalid_credentials and a challenge', async () => {
      for (const json of [
        { login: 'user1', password: 'wrong' },
        { login: 'nobody', password: 'passwd' },
      ]) {
        expectError(
          await request(`${url}/login`, { method: 'POST', json }),
          401,
          'invalid_credentials',
        );
      }
    });

    it('accepts good credentials as JSON', async () => {
      const answer = await request(`${url}/login`, {
        method: 'POST',
        json: { login: 'user1', password: 'passwd' },
      });
      expectStatus(answer, 200);
      expect(answer.body).toEqual({
        status: 'success',
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
      });
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(peekClaims(answer.body.accessToken)).toMatchObject({
        sub: 'users:user1',
        obj: 'access',
      });
      expect(peekClaims(answer.body.refreshToken)).toMatchObject({
        sub: 'users:user1',
        obj: 'refresh',
      });
    });

    it('accepts good credentials form-encoded', async () => {
      const answer = await request(`${url}/login`, {
        method: 'POST',
        form: { login: 'user1', password: 'passwd' },
      });
      expectStatus(answer, 200);
      expect(answer.body.status).toBe('success');
      expect(peekClaims(answer.body.accessToken).sub).toBe('users:user1');
    });

    it('accepts allow-listed claims, as JSON and as a form field', async () => {
      const json = await request(`${url}/login`, {
        method: 'POST',
        json: { login: 'user1', password: 'passwd', claims: { lang: 'fr' } },
      });
      expectStatus(json, 200);
      expect(peekClaims(json.body.accessToken).lang).toBe('fr');
      const form = await request(`${url}/login`, {
        method: 'POST',
        form: { login: 'user1', password: 'passwd', claims: '{"lang":"en"}' },
      });
      expectStatus(form, 200);
      expect(peekClaims(form.body.refreshToken).lang).toBe('en');
    });

    it('POST /token is an alias of login', async () => {
      const answer = await request(`${url}/token`, {
        method: 'POST',
        json: { login: 'admin', password: 'admin' },
      });
      expectStatus(answer, 200);
      expect(peekClaims(answer.body.accessToken)).toMatchObject({
        sub: 'users:admin',
        scope: ['admin'],
      });
    });
  });

  describe('using the tokens', () => {
    it('opens a protected route with the access token', async () => {
      const { accessToken } = await login(running.url, 'user1', 'passwd');
      const answer = await request(`${running.url}/protected`, { token: accessToken });
      expectStatus(answer, 200);
      expect(answer.body).toMatchObject({ sub: 'users:user1', obj: 'access', fresh: true });
    });

    it('refuses the refresh token where an access token is required', async () => {
      const { refreshToken } = await login(running.url, 'user1', 'passwd');
      expectError(
        await request(`${running.url}/protected`, { token: refreshToken }),
        401,
        'token_wrong_type',
      );
      expectError(
        await request(`${url}/verify`, { method: 'POST', token: refreshToken }),
        401,
        'token_wrong_type',
      );
    });

    it('refuses the access token where a refresh token is required', async () => {
      const { accessToken } = await login(running.url, 'user1', 'passwd');
      expectError(
        await request(`${url}/refresh`, { method: 'POST', token: accessToken }),
        401,
        'token_wrong_type',
      );
      expectError(
        await request(`${url}/token`, { method: 'PATCH', token: accessToken }),
        401,
        'token_wrong_type',
      );
    });

    it('POST /verify accepts the access token', async () => {
      const { accessToken } = await login(running.url, 'user1', 'passwd');
      const answer = await request(`${url}/verify`, { method: 'POST', token: accessToken });
      expectStatus(answer, 200);
      expect(answer.body).toEqual({ status: 'success' });
    });

    it('GET /claims answers the claims of an access and of a refresh token', async () => {
      const { accessToken, refreshToken } = await login(running.url, 'user1', 'passwd');
      const access = await request(`${url}/claims`, { token: accessToken });
      expectStatus(access, 200);
      expect(access.body).toEqual(peekClaims(accessToken));
      expect(access.body.obj).toBe('access');
      const refreshed = await request(`${url}/claims`, { token: refreshToken });
      expectStatus(refreshed, 200);
      expect(refreshed.body).toEqual(peekClaims(refreshToken));
      expect(refreshed.body.obj).toBe('refresh');
    });

    it('GET /token answers the claims, checking ?obj= when given', async () => {
      const { accessToken, refreshToken } = await login(running.url, 'user1', 'passwd');
      expect((await request(`${url}/token`, { token: accessToken })).body.obj).toBe('access');
      expect((await request(`${url}/token`, { token: refreshToken })).body.obj).toBe('refresh');
      const access = await request(`${url}/token?obj=access`, { token: accessToken });
      expectStatus(access, 200);
      expect(access.body.jti).toBe(peekClaims(accessToken).jti);
      const refreshed = await request(`${url}/token?obj=refresh`, { token: refreshToken });
      expectStatus(refreshed, 200);
      expect(refreshed.body.jti).toBe(peekClaims(refreshToken).jti);
      expectError(
        await request(`${url}/token?obj=refresh`, { token: accessToken }),
        401,
        'token_wrong_type',
      );
      expectError(
        await request(`${url}/token?obj=access`, { token: refreshToken }),
        401,
        'token_wrong_type',
      );
      expectError(
        await request(`${url}/token?obj=id`, { token: accessToken }),
        400,
        'invalid_request',
      );
    });
  });

  describe('refresh', () => {
    it.each([
      ['POST /refresh', 'refresh', 'POST'],
      ['PATCH /token', 'token', 'PATCH'],
    ])('%s gives a new access token and a new refresh token', async (_name, path, method) => {
      const first = await login(running.url, 'user1', 'passwd', {});
      const answer = await request(`${url}/${path}`, { method, token: first.refreshToken });
      expectRenewed(answer, first);
      expect(answer.body.refreshToken).not.toBe(first.refreshToken);
      expect(
        (await request(`${running.url}/protected`, { token: answer.body.accessToken })).status,
      ).toBe(200);
      // The new refresh token works in turn.
      const again = await request(`${url}/refresh`, {
        method: 'POST',
        token: answer.body.refreshToken,
      });
      expectStatus(again, 200);
    });

    it('a refresh token presented again is revoked, and so is its whole session', async () => {
      const first = await login(running.url, 'user1', 'passwd');
      const second = await request(`${url}/refresh`, { method: 'POST', token: first.refreshToken });
      expectStatus(second, 200);
      expectError(
        await request(`${url}/refresh`, { method: 'POST', token: first.refreshToken }),
        401,
        'token_revoked',
      );
      for (const token of [first.accessToken, second.body.accessToken]) {
        expectError(await request(`${running.url}/protected`, { token }), 401, 'token_revoked');
      }
      expectError(
        await request(`${url}/token`, { method: 'PATCH', token: second.body.refreshToken }),
        401,
        'token_revoked',
      );
    });

    it('another session of the same user is not affected', async () => {
      const victim = await login(running.url, 'user1', 'passwd');
      const other = await login(running.url, 'user1', 'passwd');
      await request(`${url}/refresh`, { method: 'POST', token: victim.refreshToken });
      await request(`${url}/refresh`, { method: 'POST', token: victim.refreshToken });
      expect((await request(`${running.url}/protected`, { token: other.accessToken })).status).toBe(
        200,
      );
    });
  });
});
