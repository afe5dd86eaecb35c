import { Module, type DynamicModule } from '@nestjs/common';
import {
  JwtSecurityConfigError,
  JwtSecurityModule,
  type ClaimsLoader,
  type JwtSecurityModuleOptions,
} from 'nest-jwt-security';
import { ADAPTERS, request, startApp, startupError } from '../utils/http-app.js';
import { AUTH, expectError, expectStatus, login } from '../utils/jwt-e2e.js';
import { fixtureKeys } from '../fixtures/keys.fixture.js';
import { Authority, AuthorityCredentials } from '../fixtures/proxy/authority.fixture.js';
import { signingOptions } from '../fixtures/proxy/keys.fixture.js';
import { ProxyAppModule } from '../fixtures/proxy/proxy-app.fixture.js';

/** An app with nothing but the module, configured with `options` (sync or through a factory). */
@Module({})
class OptionsProbeModule {
  static with(options: JwtSecurityModuleOptions, async = false): DynamicModule {
    return {
      module: OptionsProbeModule,
      imports: [
        async
          ? JwtSecurityModule.forRootAsync({ useFactory: async () => options })
          : JwtSecurityModule.forRoot(options),
      ],
    };
  }
}

const claimsLoader: ClaimsLoader = { loadClaims: () => ({}) };
/** Nobody listens there: a proxy must start anyway and answer 503 until the authority is up. */
const UNREACHABLE = 'http://127.0.0.1:9';

/** Option names the start-up error reports, in order, one per line. */
async function reported(options: JwtSecurityModuleOptions, async = false): Promise<string[]> {
  const error = await startupError(OptionsProbeModule.with(options, async), 'express');
  expect(error).toBeInstanceOf(JwtSecurityConfigError);
  const problems = (error as JwtSecurityConfigError).problems;
  for (const line of problems) expect(line).toMatch(/^[\w.[\]]+: \S/);
  return problems.map((line) => line.slice(0, line.indexOf(':')));
}

/** Issue 4 §3: proxy mode needs an http(s) authority; local-only options are reported. */
describe('proxy mode options are checked at start-up', () => {
  it.each([false, true])(
    'proxy without an authority names authority (forRootAsync: %p)',
    async (async) => {
      expect(await reported({ mode: 'proxy' }, async)).toEqual(['authority']);
    },
  );

  it.each([
    'ftp://auth.example',
    'auth.example',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'not a url',
    '',
  ])('non-http(s) authority %p is refused', async (authority) => {
    expect(await reported({ mode: 'proxy', authority })).toEqual(['authority']);
  });

  it.each<[string, JwtSecurityModuleOptions]>([
    ['privateKey', { privateKey: fixtureKeys('RS256').options.privateKey! }],
    ['credentials', { credentials: AuthorityCredentials }],
    ['claimsLoader', { claimsLoader }],
    ['allowedClaims', { allowedClaims: { lang: ['en'] } }],
    ['rotateRefreshTokens', { rotateRefreshTokens: false }],
    ['refreshReuseGrace', { refreshReuseGrace: 10 }],
    ['loginThrottle', { loginThrottle: false }],
    ['cookies', { cookies: { sameSite: 'strict' } }],
    ['tokenLocation', { tokenLocation: ['header', 'cookie'] }],
  ])('%s makes no sense in proxy mode and is named', async (name, extra) => {
    expect(await reported({ mode: 'proxy', authority: UNREACHABLE, ...extra })).toEqual([name]);
  });

  it('every broken rule at once, one line each', async () => {
    const names = await reported({
      mode: 'proxy',
      ...signingOptions('RS256', 'A'),
      credentials: AuthorityCredentials,
      claimsLoader,
    });
    expect([...names].sort()).toEqual(['authority', 'claimsLoader', 'credentials', 'privateKey']);
  });

  it.each([
    'https://user:s3cr3t@auth.example',
    'https://auth.example/sso?tenant=a',
    'https://auth.example/sso#top',
  ])('authority %p (user info, query or fragment) is refused', async (authority) => {
    const error = await startupError(
      OptionsProbeModule.with({ mode: 'proxy', authority }),
      'express',
    );
    expect((error as JwtSecurityConfigError).problems).toEqual([
      expect.stringMatching(/^authority: must not /),
    ]);
    expect(String(error)).not.toContain('s3cr3t');
  });

  it('authority in local mode is refused: local and proxy cannot both be on', async () => {
    expect(
      await reported({ ...signingOptions('RS256', 'A'), authority: 'https://auth.example' }),
    ).toEqual(['authority']);
  });

  it.each<[string, JwtSecurityModuleOptions]>([
    ['authorityTimeout', { authorityTimeout: 0 }],
    ['authorityTimeout', { authorityTimeout: 1.5 }],
    ['claimsCacheTtl', { claimsCacheTtl: -1 }],
    ['jwksRefetchInterval', { jwksRefetchInterval: 0 }],
    ['jwksMaxAge', { jwksMaxAge: 5 }],
    ['jwksMaxAge', { jwksMaxAge: 'soon' as never }],
    ['authorityPrefix', { authorityPrefix: 'api auth' }],
  ])('%s out of range is named (and nothing else)', async (name, extra) => {
    const names = await reported({ mode: 'proxy', authority: UNREACHABLE, ...extra });
    expect([...new Set(names)]).toEqual([name]);
  });

  it.each([UNREACHABLE, `${UNREACHABLE}/`, 'https://127.0.0.1:9/base/'])(
    'a valid proxy configuration (%p) starts even when the authority is unreachable',
    async (authority) => {
      const options: JwtSecurityModuleOptions = {
        mode: 'proxy',
        authority,
        algorithm: 'ES256',
        authorityTimeout: 100,
        // A pinned public key and older keys are fine in proxy mode: they only verify.
        publicKey: fixtureKeys('ES256').options.publicKey!,
        verificationKeys: [{ kid: 'old', key: fixtureKeys('ES256', 1).options.publicKey! }],
      };
      expect(await startupError(OptionsProbeModule.with(options), 'express')).toBeUndefined();
    },
  );
});

/** The options that shape the calls to the authority, at work between two real apps. */
describe.each(ADAPTERS)('proxy options towards the authority (%s)', (adapter) => {
  const apps: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0).reverse()) await app.close();
  });

  it('authorityPrefix: an authority mounted elsewhere, slashes around', async () => {
    const authority = await Authority.start(
      { ...signingOptions('ES256', 'A'), routePrefix: 'sso/v1' },
      adapter,
    );
    apps.push({ close: () => authority.stop() });
    const proxy = await startApp(
      ProxyAppModule.with(`${authority.url}/`, { algorithm: 'ES256', authorityPrefix: '/sso/v1/' }),
      adapter,
    );
    apps.push(proxy);
    expect(authority.log.count('GET /sso/v1/jwks')).toBe(1);
    const { accessToken } = await login(proxy.url, 'admin', 'admin');
    expectStatus(await request(`${proxy.url}/admin`, { token: accessToken }), 200);
    expect(authority.log.count('POST /sso/v1/token')).toBe(1);
  });

  it.each<[string, JwtSecurityModuleOptions, (token: string) => Record<string, string>]>([
    ['authType JWT', { authType: 'JWT' }, (token) => ({ authorization: `JWT ${token}` })],
    [
      'httpHeader X-PyAMS-Authorization',
      { httpHeader: 'X-PyAMS-Authorization' },
      (token) => ({ 'x-pyams-authorization': token }),
    ],
  ])('%s on both sides: tokens reach the authority the same way', async (_name, carry, headers) => {
    const authority = await Authority.start({ ...fixtureKeys('HS256').options, ...carry }, adapter);
    apps.push({ close: () => authority.stop() });
    const proxy = await startApp(
      ProxyAppModule.with(authority.url, { algorithm: 'HS256', ...carry }),
      adapter,
    );
    apps.push(proxy);
    const pair = await login(proxy.url, 'user1', 'passwd');
    const verified = await request(`${proxy.url}${AUTH}/verify`, {
      method: 'POST',
      headers: headers(pair.accessToken),
    });
    expectStatus(verified, 200);
    // HS256: the guard asks the authority's claims route, with the token carried as configured.
    const profile = await request(`${proxy.url}/profile`, { headers: headers(pair.accessToken) });
    expectStatus(profile, 200);
    expect(profile.body).toMatchObject({ sub: 'users:user1' });
    const refused = await request(`${proxy.url}${AUTH}/verify`, {
      method: 'POST',
      headers: headers(pair.refreshToken),
    });
    expectError(refused, 401, 'token_wrong_type', carry.authType ?? 'Bearer');
  });
});
