import fastifyCookie from '@fastify/cookie';
import { Module, type DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import cookieParser from 'cookie-parser';
import { APP_SIGNED_COOKIE, CookieProbeController } from '../fixtures/cookie-probe.controller.js';
import { LocalAppModule } from '../fixtures/local-app.module.js';
import { ADAPTERS, request, startApp, type RunningApp } from '../utils/http-app.js';
import { AUTH, expectError, loginAnswer } from '../utils/jwt-e2e.js';
import { jar, setCookies, type SetCookie } from '../utils/set-cookies.js';

const COOKIE_SECRET = 'cookie-middleware-e2e-secret';

@Module({})
class CookieMiddlewareAppModule {
  static create(): DynamicModule {
    return {
      module: CookieMiddlewareAppModule,
      imports: [LocalAppModule.with({ tokenLocation: ['cookie'] })],
      controllers: [CookieProbeController],
    };
  }
}

/**
 * The app with the platform's own cookie middleware: cookie-parser on Express, @fastify/cookie
 * on Fastify, with a secret (signed cookies) or without.
 */
function startWithMiddleware(
  adapter: (typeof ADAPTERS)[number],
  secret: string | undefined,
): Promise<RunningApp> {
  return startApp(CookieMiddlewareAppModule.create(), adapter, {
    setup: async (app) => {
      if (adapter === 'express') {
        app.use(secret === undefined ? cookieParser() : cookieParser(secret));
      } else await (app as NestFastifyApplication).register(fastifyCookie, { secret });
    },
  });
}

const MIDDLEWARE = { express: 'cookie-parser', fastify: '@fastify/cookie' } as const;

describe.each(ADAPTERS)('cookie mode with the cookie middleware of %s', (adapter) => {
  describe.each([
    ['without a secret', undefined],
    ['with a secret (signed cookies)', COOKIE_SECRET],
  ])(`${MIDDLEWARE[adapter]} %s`, (_label, secret) => {
    let running: RunningApp;
    let cookies: Map<string, SetCookie>;
    /** The app's own cookie, sent along with the module's (signed when there is a secret). */
    let appCookie: SetCookie | undefined;
    const send = (...module: (SetCookie | undefined)[]) => jar(...module, appCookie);

    beforeAll(async () => {
      running = await startWithMiddleware(adapter, secret);
      if (secret !== undefined) {
        const signed = await request(`${running.url}/cookie-probe`, { method: 'POST' });
        expect(signed.status).toBe(204);
        appCookie = setCookies(signed.headers).get(APP_SIGNED_COOKIE);
        expect(appCookie?.value).toMatch(/^(s:)?app-value\./);
      }
      const login = await loginAnswer(running.url, 'user1', 'passwd');
      expect(login).toMatchObject({ status: 200, body: { status: 'success' } });
      cookies = setCookies(login.headers);
    });
    afterAll(() => running.close());

    it('runs the middleware: req.cookies is parsed (and the app reads its signed cookie)', async () => {
      const probe = await request(`${running.url}/cookie-probe`, {
        headers: { cookie: send(cookies.get('access_token')) },
      });
      expect(probe).toMatchObject({
        status: 200,
        body: { parsed: true, signed: secret === undefined ? null : 'app-value' },
      });
    });

    it('login set the four cookies; the access cookie authenticates', async () => {
      expect([...cookies.keys()].sort()).toEqual([
        'access_token',
        'csrf_access_token',
        'csrf_refresh_token',
        'refresh_token',
      ]);
      const answer = await request(`${running.url}/protected/sub`, {
        headers: { cookie: send(cookies.get('access_token')) },
      });
      expect(answer).toMatchObject({ status: 200, body: { sub: 'users:user1' } });
    });

    it('still enforces CSRF on unsafe methods', async () => {
      const cookie = send(cookies.get('access_token'));
      expectError(
        await request(`${running.url}/protected/fresh`, { method: 'POST', headers: { cookie } }),
        403,
        'csrf_mismatch',
      );
      const answer = await request(`${running.url}/protected/fresh`, {
        method: 'POST',
        headers: { cookie, 'x-csrf-token': cookies.get('csrf_access_token')!.value },
      });
      expect(answer.status).toBe(200);
    });

    it('refreshes from the refresh cookie, then logs out', async () => {
      const cookie = send(cookies.get('refresh_token'));
      expectError(
        await request(`${running.url}${AUTH}/refresh`, { method: 'POST', headers: { cookie } }),
        403,
        'csrf_mismatch',
      );
      const refreshed = await request(`${running.url}${AUTH}/refresh`, {
        method: 'POST',
        headers: { cookie, 'x-csrf-token': cookies.get('csrf_refresh_token')!.value },
      });
      expect(refreshed).toMatchObject({ status: 200, body: { status: 'success' } });
      const next = setCookies(refreshed.headers);
      expect(next.get('access_token')?.value).not.toBe(cookies.get('access_token')!.value);
      const logout = await request(`${running.url}${AUTH}/logout`, {
        method: 'POST',
        headers: {
          cookie: send(next.get('access_token')),
          'x-csrf-token': next.get('csrf_access_token')!.value,
        },
      });
      expect(logout.status).toBe(200);
      expect(setCookies(logout.headers).get('access_token')?.value).toBe('');
      expectError(
        await request(`${running.url}/protected/sub`, {
          headers: { cookie: send(next.get('access_token')) },
        }),
        401,
        'token_revoked',
      );
    });

    it.each([
      ['a cookie-parser JSON value', 'j:{"a":1}'],
      ['a signed-looking value', 's:abc.def'],
      ['a value with spaces', 'a%20b'],
    ])('answers 401, never a 500, for an access cookie holding %s', async (_name, value) => {
      const answer = await request(`${running.url}/protected/sub`, {
        headers: { cookie: `access_token=${value}` },
      });
      expect(answer.status).toBe(401);
      expect(['token_missing', 'token_malformed']).toContain(answer.body.code);
    });
  });
});
