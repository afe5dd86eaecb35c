import { LocalAppModule } from '../fixtures/local-app.module.js';
import { ADAPTERS, request, startApp, type RunningApp } from '../utils/http-app.js';
import { AUTH, expectError } from '../utils/jwt-e2e.js';

/** A parsed `Set-Cookie` line. */
interface SetCookie {
  name: string;
  value: string;
  attributes: Record<string, string | true>;
}

function setCookies(headers: Headers): Map<string, SetCookie> {
  const result = new Map<string, SetCookie>();
  for (const line of headers.getSetCookie()) {
    const [pair, ...rest] = line.split(';').map((part) => part.trim());
    const [name, ...value] = pair!.split('=');
    const attributes: Record<string, string | true> = {};
    for (const attribute of rest) {
      const [key, ...v] = attribute.split('=');
      attributes[key!.toLowerCase()] = v.length > 0 ? v.join('=') : true;
    }
    result.set(name!, { name: name!, value: decodeURIComponent(value.join('=')), attributes });
  }
  return result;
}

const jar = (...cookies: (SetCookie | undefined)[]) =>
  cookies
    .filter((c): c is SetCookie => c !== undefined)
    .map((c) => `${c.name}=${c.value}`)
    .join('; ');

describe.each(ADAPTERS)('cookie mode on %s', (adapter) => {
  describe("tokenLocation ['cookie'] (browsers)", () => {
    let running: RunningApp;
    let cookies: Map<string, SetCookie>;
    beforeAll(async () => {
      running = await startApp(LocalAppModule.with({ tokenLocation: ['cookie'] }), adapter);
      const login = await request(`${running.url}${AUTH}/login`, {
        method: 'POST',
        json: { login: 'user1', password: 'passwd' },
      });
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
      expect(refresh.attributes).toMatchObject({ httponly: true, secure: true, path: AUTH });
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

    it('clears every cookie on logout, and the session is revoked', async () => {
      const logout = await request(`${running.url}${AUTH}/logout`, {
        method: 'POST',
        headers: {
          cookie: jar(cookies.get('access_token')),
          'x-csrf-token': cookies.get('csrf_access_token')!.value,
        },
      });
      expect(logout.status).toBe(200);
      const cleared = setCookies(logout.headers);
      for (const name of [
        'access_token',
        'refresh_token',
        'csrf_access_token',
        'csrf_refresh_token',
      ]) {
        expect(cleared.get(name)?.value).toBe('');
        expect(cleared.get(name)?.attributes['max-age']).toBe('0');
      }
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
      const login = await request(`${running.url}${AUTH}/login`, {
        method: 'POST',
        json: { login: 'user1', password: 'passwd' },
      });
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
});
