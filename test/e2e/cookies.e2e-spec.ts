import { LocalAppModule } from '../fixtures/local-app.module.js';
import { ADAPTERS, request, startApp, type RunningApp } from '../utils/http-app.js';
import { AUTH, expectError, login, loginAnswer } from '../utils/jwt-e2e.js';
import { jar, setCookies, type SetCookie } from '../utils/set-cookies.js';

const COOKIE_NAMES = ['access_token', 'refresh_token', 'csrf_access_token', 'csrf_refresh_token'];

/** Checks that logout cleared every cookie with the Path and Domain it was set with. */
function expectClearedLike(cleared: Map<string, SetCookie>, set: Map<string, SetCookie>): void {
  for (const name of COOKIE_NAMES) {
    const before = set.get(name)!;
    const after = cleared.get(name);
    expect({ name, value: after?.value, maxAge: after?.attributes['max-age'] }).toEqual({
      name,
      value: '',
      maxAge: '0',
    });
    expect({ name, path: after?.attributes.path, domain: after?.attributes.domain }).toEqual({
      name,
      path: before.attributes.path,
      domain: before.attributes.domain,
    });
  }
}

describe.each(ADAPTERS)('cookie mode on %s', (adapter) => {
  describe("tokenLocation ['cookie'] (browsers)", () => {
    let running: RunningApp;
    let cookies: Map<string, SetCookie>;
    beforeAll(async () => {
      running = await startApp(LocalAppModule.with({ tokenLocation: ['cookie'] }), adapter);
      const login = await loginAnswer(running.url, 'user1', 'passwd');
      expect(login.status).toBe(200);
      expect(login.body).toEqual({ status: 'success' });
      cookies = setCookies(login.headers);
    });
    afterAll(() => running.close());

    it('sets HttpOnly, Secure, SameSite token cookies and readable CSRF cookies', () => {
      const access = cookies.get('access_token')!;
      const refresh = cookies.get('refresh_token')!;
      expect(access.attributes).toMatchObject({
        httponly: true,
        secure: true,
        samesite: 'Lax',
        path: '/',
      });
      expect(Number(access.attributes['max-age'])).toBeGreaterThan(800);
      // Scoped to the refresh route: the browser sends it to POST /refresh and nowhere else.
      expect(refresh.attributes).toMatchObject({
        httponly: true,
        secure: true,
        path: `${AUTH}/refresh`,
      });
      expect(access.attributes.domain).toBeUndefined();
      const csrf = cookies.get('csrf_access_token')!;
      expect(csrf.attributes.httponly).toBeUndefined();
      expect(csrf.value.length).toBeGreaterThan(16);
      // Readable by the page, which sends it back to refresh.
      expect(cookies.get('csrf_refresh_token')!.attributes.path).toBe('/');
    });

    it('authenticates safe requests from the access cookie alone', async () => {
      const answer = await request(`${running.url}/protected/sub`, {
        headers: { cookie: jar(cookies.get('access_token')) },
      });
      expect(answer).toMatchObject({ status: 200, body: { sub: 'users:user1' } });
    });

    it('refuses an unsafe request without the CSRF header, or with a wrong one', async () => {
      const cookie = jar(cookies.get('access_token'));
      expectError(
        await request(`${running.url}/protected/fresh`, { method: 'POST', headers: { cookie } }),
        403,
        'csrf_mismatch',
      );
      const wrong = await request(`${running.url}/protected/fresh`, {
        method: 'POST',
        headers: { cookie, 'x-csrf-token': cookies.get('csrf_refresh_token')!.value },
      });
      expectError(wrong, 403, 'csrf_mismatch');
    });

    it('accepts an unsafe request whose CSRF header echoes the CSRF cookie', async () => {
      const answer = await request(`${running.url}/protected/fresh`, {
        method: 'POST',
        headers: {
          cookie: jar(cookies.get('access_token')),
          'x-csrf-token': cookies.get('csrf_access_token')!.value,
        },
      });
      expect(answer.status).toBe(200);
    });

    it('refreshes from the refresh cookie (with its CSRF value) and sets new cookies', async () => {
      const cookie = jar(cookies.get('refresh_token'));
      expectError(
        await request(`${running.url}${AUTH}/refresh`, { method: 'POST', headers: { cookie } }),
        403,
        'csrf_mismatch',
      );
      const refreshed = await request(`${running.url}${AUTH}/refresh`, {
        method: 'POST',
        headers: { cookie, 'x-csrf-token': cookies.get('csrf_refresh_token')!.value },
      });
      expect(refreshed.status).toBe(200);
      expect(refreshed.body).toEqual({ status: 'success' });
      const next = setCookies(refreshed.headers);
      expect([...next.keys()].sort()).toEqual([
        'access_token',
        'csrf_access_token',
        'csrf_refresh_token',
        'refresh_token',
      ]);
      cookies = next;
    });

    it('clears every cookie on logout with the Path it was set with; the session is revoked', async () => {
      const logout = await request(`${running.url}${AUTH}/logout`, {
        method: 'POST',
        headers: {
          cookie: jar(cookies.get('access_token')),
          'x-csrf-token': cookies.get('csrf_access_token')!.value,
        },
      });
      expect(logout.status).toBe(200);
      expectClearedLike(setCookies(logout.headers), cookies);
      expect(setCookies(logout.headers).get('refresh_token')!.attributes.path).toBe(
        `${AUTH}/refresh`,
      );
      const after = await request(`${running.url}/protected/sub`, {
        headers: { cookie: jar(cookies.get('access_token')) },
      });
      expectError(after, 401, 'token_revoked');
    });

    it('ignores the Authorization header when only cookies are configured', async () => {
      expectError(
        await request(`${running.url}/protected/sub`, { token: 'abc.def.ghi' }),
        401,
        'token_missing',
      );
    });
  });

  describe("tokenLocation ['header', 'cookie'] (APIs and browsers)", () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startApp(
        LocalAppModule.with({
          tokenLocation: ['header', 'cookie'],
          cookies: { sameSite: 'strict', csrfHeader: 'X-XSRF' },
        }),
        adapter,
      );
    });
    afterAll(() => running.close());

    it('returns the tokens in the body too, and a header token needs no CSRF header', async () => {
      const login = await loginAnswer(running.url, 'user1', 'passwd');
      expect(login.body).toMatchObject({ status: 'success', accessToken: expect.any(String) });
      expect(setCookies(login.headers).get('access_token')!.attributes.samesite).toBe('Strict');
      const answer = await request(`${running.url}/protected/fresh`, {
        method: 'POST',
        token: login.body.accessToken,
      });
      expect(answer.status).toBe(200);
      const cookies = setCookies(login.headers);
      const withCookie = await request(`${running.url}/protected/fresh`, {
        method: 'POST',
        headers: {
          cookie: jar(cookies.get('access_token')),
          'x-xsrf': cookies.get('csrf_access_token')!.value,
        },
      });
      expect(withCookie.status).toBe(200);
    });
  });

  describe('custom path and domain', () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startApp(
        LocalAppModule.with({
          tokenLocation: ['cookie'],
          cookies: { path: '/app', domain: 'app.example.test', refreshPath: AUTH },
        }),
        adapter,
      );
    });
    afterAll(() => running.close());

    it('sets each cookie with its Path and Domain, and logout clears it with the same ones', async () => {
      const answer = await loginAnswer(running.url, 'user1', 'passwd');
      const set = setCookies(answer.headers);
      expect(
        COOKIE_NAMES.map((name) => [
          name,
          set.get(name)!.attributes.path,
          set.get(name)!.attributes.domain,
        ]),
      ).toEqual([
        ['access_token', '/app', 'app.example.test'],
        ['refresh_token', AUTH, 'app.example.test'],
        ['csrf_access_token', '/app', 'app.example.test'],
        ['csrf_refresh_token', '/app', 'app.example.test'],
      ]);
      const logout = await request(`${running.url}${AUTH}/logout`, {
        method: 'POST',
        headers: {
          cookie: jar(set.get('access_token')),
          'x-csrf-token': set.get('csrf_access_token')!.value,
        },
      });
      expect(logout.status).toBe(200);
      expectClearedLike(setCookies(logout.headers), set);
    });

    it('refreshes through the PATCH /token alias when refreshPath is the whole prefix', async () => {
      const answer = await loginAnswer(running.url, 'user1', 'passwd');
      const set = setCookies(answer.headers);
      const renewed = await request(`${running.url}${AUTH}/token`, {
        method: 'PATCH',
        headers: {
          cookie: jar(set.get('refresh_token')),
          'x-csrf-token': set.get('csrf_refresh_token')!.value,
        },
      });
      expect(renewed).toMatchObject({ status: 200, body: { status: 'success' } });
    });
  });

  describe('the order of tokenLocation decides which token is read', () => {
    let running: { cookieFirst: RunningApp; headerFirst: RunningApp };
    beforeAll(async () => {
      running = {
        cookieFirst: await startApp(
          LocalAppModule.with({ tokenLocation: ['cookie', 'header'] }),
          adapter,
        ),
        headerFirst: await startApp(
          LocalAppModule.with({ tokenLocation: ['header', 'cookie'] }),
          adapter,
        ),
      };
    });
    afterAll(async () => {
      await running.cookieFirst.close();
      await running.headerFirst.close();
    });

    /** The `sub` a request carrying user1's access cookie and admin's bearer token resolves to. */
    async function subWithBoth(app: RunningApp): Promise<unknown> {
      const cookieLogin = await loginAnswer(app.url, 'user1', 'passwd');
      const cookie = jar(setCookies(cookieLogin.headers).get('access_token'));
      const { accessToken } = await login(app.url, 'admin', 'admin');
      const answer = await request(`${app.url}/protected/sub`, {
        token: accessToken,
        headers: { cookie },
      });
      expect(answer.status).toBe(200);
      return answer.body.sub;
    }

    it("['cookie', 'header']: the cookie's token wins over the header's", async () => {
      expect(await subWithBoth(running.cookieFirst)).toBe('users:user1');
    });

    it("['header', 'cookie']: the header's token wins over the cookie's", async () => {
      expect(await subWithBoth(running.headerFirst)).toBe('users:admin');
    });
  });
});
