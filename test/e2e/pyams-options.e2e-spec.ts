import { ADAPTERS, request, startApp, type RunningApp } from '../utils/http-app.js';
import {
  AUTH,
  expectError,
  expectStatus,
  login,
  loginAnswer,
  peekClaims,
} from '../utils/jwt-e2e.js';
import { LocalAppModule } from '../fixtures/local-app.module.js';

/** The PyAMS_auth_jwt options: auth type, custom header, disabled mode, response field names. */
describe.each(ADAPTERS)('PyAMS_auth_jwt options (%s)', (adapter) => {
  describe("authType 'JWT'", () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startApp(LocalAppModule.with({ authType: 'JWT' }), adapter);
    });
    afterAll(() => running.close());

    it('accepts `JWT <token>` (scheme case-insensitive) on routes and on the auth controller', async () => {
      const { accessToken, refreshToken } = await login(running.url, 'user1', 'passwd');
      for (const scheme of ['JWT', 'jwt']) {
        expectStatus(
          await request(`${running.url}/protected`, { token: accessToken, scheme }),
          200,
        );
      }
      expectStatus(
        await request(`${running.url}${AUTH}/verify`, {
          method: 'POST',
          token: accessToken,
          scheme: 'JWT',
        }),
        200,
      );
      expectStatus(
        await request(`${running.url}${AUTH}/refresh`, {
          method: 'POST',
          token: refreshToken,
          scheme: 'JWT',
        }),
        200,
      );
    });

    it('treats `Bearer <token>` as no token: 401 token_missing with a JWT challenge', async () => {
      const { accessToken } = await login(running.url, 'user1', 'passwd');
      expectError(
        await request(`${running.url}/protected`, { token: accessToken }),
        401,
        'token_missing',
        'JWT',
      );
      expectError(
        await request(`${running.url}${AUTH}/verify`, { method: 'POST', token: accessToken }),
        401,
        'token_missing',
        'JWT',
      );
    });

    it('challenges failed logins with the JWT scheme', async () => {
      const answer = await loginAnswer(running.url, 'user1', 'nope');
      expectError(answer, 401, 'invalid_credentials', 'JWT');
    });
  });

  describe("httpHeader 'X-PyAMS-Authorization'", () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startApp(
        LocalAppModule.with({ httpHeader: 'X-PyAMS-Authorization' }),
        adapter,
      );
    });
    afterAll(() => running.close());

    it('reads the bare token from the custom header', async () => {
      const { accessToken, refreshToken } = await login(running.url, 'user1', 'passwd');
      const headers = { 'X-PyAMS-Authorization': accessToken };
      expectStatus(await request(`${running.url}/protected`, { headers }), 200);
      expectStatus(await request(`${running.url}${AUTH}/verify`, { method: 'POST', headers }), 200);
      const refreshed = await request(`${running.url}${AUTH}/token`, {
        method: 'PATCH',
        headers: { 'x-pyams-authorization': refreshToken },
      });
      expectStatus(refreshed, 200);
    });

    it('ignores Authorization, and refuses a scheme in the custom header', async () => {
      const { accessToken } = await login(running.url, 'user1', 'passwd');
      expectError(
        await request(`${running.url}/protected`, { token: accessToken }),
        401,
        'token_missing',
      );
      expectError(
        await request(`${running.url}/protected`, {
          headers: { 'X-PyAMS-Authorization': `Bearer ${accessToken}` },
        }),
        401,
        'token_malformed',
      );
    });
  });

  describe("mode 'disabled'", () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startApp(LocalAppModule.with({ mode: 'disabled' }), adapter);
    });
    afterAll(() => running.close());

    it.each([
      ['POST', `${AUTH}/login`],
      ['POST', `${AUTH}/token`],
      ['POST', `${AUTH}/refresh`],
      ['PATCH', `${AUTH}/token`],
      ['POST', `${AUTH}/verify`],
      ['GET', `${AUTH}/claims`],
      ['GET', `${AUTH}/token`],
      ['POST', `${AUTH}/logout`],
      ['GET', `${AUTH}/sessions`],
      ['GET', `${AUTH}/jwks`],
      ['GET', '/protected'],
      ['GET', '/protected/optional'],
      ['GET', '/passport'],
    ])('%s %s answers 503 service_unavailable', async (method, path) => {
      const answer = await request(`${running.url}${path}`, {
        method,
        json: method === 'GET' ? undefined : { login: 'user1', password: 'passwd' },
        headers: { authorization: 'Bearer a.b.c' },
      });
      expectError(answer, 503, 'service_unavailable');
    });
  });

  describe('accessTokenName and refreshTokenName', () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startApp(
        LocalAppModule.with({ accessTokenName: 'access_token', refreshTokenName: 'refresh_token' }),
        adapter,
      );
    });
    afterAll(() => running.close());

    it('names the fields of login and refresh answers', async () => {
      const first = await loginAnswer(running.url, 'user1', 'passwd');
      expectStatus(first, 200);
      expect(Object.keys(first.body).sort()).toEqual(['access_token', 'refresh_token', 'status']);
      expect(peekClaims(first.body.access_token).obj).toBe('access');
      const second = await request(`${running.url}${AUTH}/refresh`, {
        method: 'POST',
        token: first.body.refresh_token,
      });
      expectStatus(second, 200);
      expect(Object.keys(second.body).sort()).toEqual(['access_token', 'refresh_token', 'status']);
      expectStatus(
        await request(`${running.url}/protected`, { token: second.body.access_token }),
        200,
      );
    });
  });

  describe('rotateRefreshTokens false (PyAMS refreshes the access token only)', () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startApp(LocalAppModule.with({ rotateRefreshTokens: false }), adapter);
    });
    afterAll(() => running.close());

    it('PATCH /token answers {status, accessToken} and the refresh token stays usable', async () => {
      const { refreshToken } = await login(running.url, 'user1', 'passwd');
      for (let round = 0; round < 2; round++) {
        const answer = await request(`${running.url}${AUTH}/token`, {
          method: 'PATCH',
          token: refreshToken,
        });
        expectStatus(answer, 200);
        expect(answer.body).toEqual({ status: 'success', accessToken: expect.any(String) });
        expectStatus(
          await request(`${running.url}/protected`, { token: answer.body.accessToken }),
          200,
        );
      }
    });
  });
});
