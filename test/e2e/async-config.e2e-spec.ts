import {
  JwtAuthService,
  JwtSecurityConfigError,
  JwtSecurityModule,
  type JwtSecurityModuleOptions,
} from 'nest-jwt-security';
import { ADAPTERS, request, startApp, startupError, type RunningApp } from '../utils/http-app.js';
import { AUTH, expectStatus, login, loginAnswer } from '../utils/jwt-e2e.js';
import { fixtureKeys } from '../fixtures/keys.fixture.js';
import { LocalAppModule } from '../fixtures/local-app.module.js';
import {
  AsyncConfigAppModule,
  FixtureJwtConfig,
  asyncOptions,
  type AsyncVariant,
} from '../fixtures/async-config.module.js';

const VARIANTS: AsyncVariant[] = ['useFactory', 'useClass', 'useExisting'];

/** `forRootAsync()` in its three forms, `routePrefix`, and start-up errors. */
describe.each(ADAPTERS)('module configuration (%s)', (adapter) => {
  describe.each(VARIANTS)('forRootAsync with %s', (variant) => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startApp(AsyncConfigAppModule.with(asyncOptions(variant)), adapter);
    });
    afterAll(() => running.close());

    it('serves the auth controller at the default prefix and guards routes', async () => {
      const { accessToken } = await login(running.url, 'user1', 'passwd');
      expectStatus(await request(`${running.url}/protected`, { token: accessToken }), 200);
      const jwks = await request(`${running.url}${AUTH}/jwks`);
      expectStatus(jwks, 200);
      expect(jwks.body.keys[0].alg).toBe('RS256');
    });
  });

  describe("routePrefix 'auth/v2' given to forRootAsync", () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startApp(
        AsyncConfigAppModule.with(asyncOptions('useFactory', { routePrefix: 'auth/v2' })),
        adapter,
      );
    });
    afterAll(() => running.close());

    it('moves the controller', async () => {
      const { accessToken, refreshToken } = await login(running.url, 'user1', 'passwd', {
        prefix: '/auth/v2',
      });
      expectStatus(
        await request(`${running.url}/auth/v2/verify`, { method: 'POST', token: accessToken }),
        200,
      );
      expectStatus(
        await request(`${running.url}/auth/v2/token`, { method: 'PATCH', token: refreshToken }),
        200,
      );
      const old = await loginAnswer(running.url, 'user1', 'passwd');
      expect(old.status).toBe(404);
    });
  });

  describe('routePrefix false', () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startApp(
        AsyncConfigAppModule.with(asyncOptions('useExisting', { routePrefix: false })),
        adapter,
      );
    });
    afterAll(() => running.close());

    it('mounts no controller, while guards and services still work', async () => {
      for (const [method, path] of [
        ['POST', 'login'],
        ['POST', 'token'],
        ['GET', 'jwks'],
        ['POST', 'verify'],
      ] as const) {
        const json = method === 'POST' ? { login: 'user1', password: 'passwd' } : undefined;
        const answer = await request(`${running.url}${AUTH}/${path}`, { method, json });
        expect(answer.status).toBe(404);
      }
      const pair = await running.app
        .get(JwtAuthService)
        .login({ login: 'user1', password: 'passwd' });
      const answer = await request(`${running.url}/protected`, { token: pair.accessToken });
      expectStatus(answer, 200);
      expect(answer.body.sub).toBe('users:user1');
    });
  });

  describe("forRoot with routePrefix '/custom/prefix/'", () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startApp(LocalAppModule.with({ routePrefix: '/custom/prefix/' }), adapter);
    });
    afterAll(() => running.close());

    it('mounts the controller at the path without its slashes', async () => {
      await expect(
        login(running.url, 'user1', 'passwd', { prefix: '/custom/prefix' }),
      ).resolves.toBeDefined();
      expect((await request(`${running.url}${AUTH}/jwks`)).status).toBe(404);
    });
  });

  describe('a bad configuration stops start-up with one line per broken rule', () => {
    afterEach(() => {
      FixtureJwtConfig.overrides = {};
    });

    const problemsOf = async (options: JwtSecurityModuleOptions): Promise<string[]> => {
      const error = await startupError(
        LocalAppModule.with({ credentials: undefined, ...options }),
        adapter,
      );
      expect(error).toBeInstanceOf(JwtSecurityConfigError);
      return [...(error as JwtSecurityConfigError).problems];
    };
    const named = (...names: string[]) =>
      names.map((name) =>
        expect.stringMatching(new RegExp(`^${name.replace(/[[\]]/g, '\\$&')}: `)),
      );

    it('RS256 without keys names privateKey and publicKey, HS256 without a secret names secret, one line each', async () => {
      expect(await problemsOf({ algorithm: 'RS256', secret: undefined })).toEqual(
        named('privateKey', 'publicKey'),
      );
      expect(await problemsOf({ algorithm: 'HS256', secret: undefined })).toEqual(named('secret'));
    });

    it('several broken rules give several lines', async () => {
      const problems = await problemsOf({
        mode: 'bogus' as never,
        accessExpiration: 0,
        refreshExpiration: 1.5,
        authType: 'Bearer token',
        accessTokenName: 'same',
        refreshTokenName: 'same',
      });
      expect(problems).toEqual(
        expect.arrayContaining(
          named('mode', 'accessExpiration', 'refreshExpiration', 'authType', 'refreshTokenName'),
        ),
      );
    });

    it('local and proxy cannot both be on: authority in local mode', async () => {
      expect(await problemsOf({ authority: 'https://auth.example' })).toEqual(named('authority'));
    });

    it('a key that does not fit the algorithm', async () => {
      const problems = await problemsOf({ ...fixtureKeys('RS256').options, algorithm: 'ES256' });
      expect(problems).toEqual(expect.arrayContaining(named('privateKey')));
    });

    it('an unknown option is named', async () => {
      expect(await problemsOf({ secrett: 'x' } as JwtSecurityModuleOptions)).toEqual(
        expect.arrayContaining(named('secrett')),
      );
    });

    it.each(VARIANTS)('forRootAsync %s with bad options', async (variant) => {
      FixtureJwtConfig.overrides = {
        publicKey: fixtureKeys('ES256').options.publicKey,
        accessExpiration: -5,
      };
      const error = await startupError(AsyncConfigAppModule.with(asyncOptions(variant)), adapter);
      expect(error).toBeInstanceOf(JwtSecurityConfigError);
      expect((error as JwtSecurityConfigError).problems).toEqual(
        expect.arrayContaining(named('accessExpiration')),
      );
    });

    it('routePrefix returned by the factory is refused (it must sit beside useFactory)', async () => {
      FixtureJwtConfig.overrides = { routePrefix: 'elsewhere' };
      const error = await startupError(
        AsyncConfigAppModule.with(asyncOptions('useFactory')),
        adapter,
      );
      expect(error).toBeInstanceOf(JwtSecurityConfigError);
      expect((error as JwtSecurityConfigError).problems).toEqual(named('routePrefix'));
    });

    it('an invalid routePrefix is refused when the module is defined', () => {
      expect(() =>
        JwtSecurityModule.forRoot({ ...fixtureKeys('HS256').options, routePrefix: 'a b?' }),
      ).toThrow(JwtSecurityConfigError);
    });
  });
});
