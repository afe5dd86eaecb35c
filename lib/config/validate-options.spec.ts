import { Logger } from '@nestjs/common';
import { jest } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { keyPair, SECRET, signingOptions } from '../../test/utils/keys.js';
import { silentLogger } from '../../test/utils/token-module.js';
import type { JwtSecurityModuleOptions } from '../interfaces/jwt-security-options.interface.js';
import { DEFAULT_ROUTE_PREFIX, JWT_SECURITY_OPTIONS } from '../jwt-security.constants.js';
import { JwtSecurityModule } from '../jwt-security.module.js';
import type { JwtSecurityOptions } from './jwt-security-options.dto.js';
import {
  JwtSecurityConfigError,
  normalizeRoutePrefix,
  validateOptions,
} from './validate-options.js';

function quietLogger(): Logger {
  const logger = new Logger('test');
  jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
  return logger;
}

async function valid(raw: JwtSecurityModuleOptions): Promise<JwtSecurityOptions> {
  return (await validateOptions(raw, DEFAULT_ROUTE_PREFIX, quietLogger())).options;
}

/** The lines of the one `JwtSecurityConfigError` the options are refused with. */
async function problems(raw: unknown): Promise<readonly string[]> {
  const error = await validateOptions(
    raw as JwtSecurityModuleOptions,
    DEFAULT_ROUTE_PREFIX,
    quietLogger(),
  ).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(JwtSecurityConfigError);
  return (error as JwtSecurityConfigError).problems;
}

/** Options whose lines start with `name:` */
function named(lines: readonly string[], name: string): string[] {
  return lines.filter((line) => line.startsWith(`${name}:`));
}

const hs256 = { algorithm: 'HS256', secret: SECRET } as const;

describe('validateOptions: defaults (SPEC §3)', () => {
  let options: JwtSecurityOptions;

  beforeAll(async () => {
    const rsa = signingOptions('RS256');
    options = await valid({ privateKey: rsa.privateKey, publicKey: rsa.publicKey });
  });

  it.each([
    ['mode', 'local'],
    ['algorithm', 'RS256'],
    ['accessExpiration', 900],
    ['refreshExpiration', 604800],
    ['leeway', 0],
    ['authType', 'Bearer'],
    ['httpHeader', 'Authorization'],
    ['accessTokenName', 'accessToken'],
    ['refreshTokenName', 'refreshToken'],
    ['revocation', 'all'],
    ['rotateRefreshTokens', true],
    ['maxTokenSize', 8192],
    ['verifyCacheSize', 10_000],
    ['revocationSyncInterval', 500],
    ['storeTimeout', 2000],
    ['routePrefix', 'api/auth/jwt'],
  ] as const)('%s defaults to %p', (name, value) => {
    expect(options[name]).toBe(value);
  });

  it('defaults verificationKeys to [] and allowedClaims to {}', () => {
    expect(options.verificationKeys).toEqual([]);
    expect(options.allowedClaims).toEqual({});
  });

  it('leaves audience, issuer, authority, credentials, loaders and store unset', () => {
    for (const name of [
      'audience',
      'issuer',
      'authority',
      'credentials',
      'principalLoader',
      'claimsLoader',
      'store',
    ] as const) {
      expect(options[name]).toBeUndefined();
    }
  });

  it('keeps values that are given', async () => {
    const given = await valid({
      ...hs256,
      accessExpiration: 60,
      refreshExpiration: 3600,
      leeway: 5,
      authType: 'JWT',
      httpHeader: 'X-PyAMS-Authorization',
      audience: 'api',
      issuer: 'https://auth.example.com',
      revocation: 'refresh',
      rotateRefreshTokens: false,
    });
    expect(given).toMatchObject({
      algorithm: 'HS256',
      accessExpiration: 60,
      refreshExpiration: 3600,
      leeway: 5,
      authType: 'JWT',
      httpHeader: 'X-PyAMS-Authorization',
      audience: 'api',
      issuer: 'https://auth.example.com',
      revocation: 'refresh',
      rotateRefreshTokens: false,
    });
  });

  it('returns a frozen result, verification keys and allowed claims included', async () => {
    const frozen = await valid({
      ...hs256,
      verificationKeys: [{ kid: 'old', key: 'o'.repeat(32) }],
      allowedClaims: { lang: ['en', 'fr'] },
    });
    expect(Object.isFrozen(frozen)).toBe(true);
    expect(Object.isFrozen(frozen.verificationKeys)).toBe(true);
    expect(Object.isFrozen(frozen.verificationKeys[0])).toBe(true);
    expect(Object.isFrozen(frozen.allowedClaims)).toBe(true);
    expect(() => {
      (frozen as { leeway: number }).leeway = 10;
    }).toThrow(TypeError);
  });

  it('provides the validated options with the default route prefix through forRoot()', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [JwtSecurityModule.forRoot(hs256)],
    })
      .setLogger(silentLogger)
      .compile();
    const injected = moduleRef.get<JwtSecurityOptions>(JWT_SECURITY_OPTIONS);
    expect(injected.routePrefix).toBe(DEFAULT_ROUTE_PREFIX);
    expect(injected.mode).toBe('local');
    expect(Object.isFrozen(injected)).toBe(true);
    await moduleRef.close();
  });
});

describe('validateOptions: invariants, one line per broken rule naming the option', () => {
  it('refuses HS* without a secret', async () => {
    for (const algorithm of ['HS256', 'HS384', 'HS512'] as const) {
      expect(named(await problems({ algorithm }), 'secret')).toHaveLength(1);
    }
  });

  it('refuses RS256 without keys with a line about privateKey AND one about publicKey', async () => {
    const lines = await problems({ algorithm: 'RS256' });
    expect(named(lines, 'privateKey')).toHaveLength(1);
    expect(named(lines, 'publicKey')).toHaveLength(1);
    expect(await problems({})).toEqual(lines);
  });

  it('refuses an asymmetric local configuration with only one half of the pair', async () => {
    const { privateKey, publicKey } = signingOptions('ES256');
    expect(named(await problems({ algorithm: 'ES256', privateKey }), 'publicKey')).toHaveLength(1);
    expect(named(await problems({ algorithm: 'ES256', publicKey }), 'privateKey')).toHaveLength(1);
  });

  it('needs no key in disabled mode, nor a private key in proxy mode', async () => {
    await expect(valid({ mode: 'disabled' })).resolves.toMatchObject({ mode: 'disabled' });
    await expect(
      valid({ mode: 'proxy', authority: 'https://auth.example.com' }),
    ).resolves.toMatchObject({ mode: 'proxy' });
  });

  it('refuses a private key in proxy mode (the authority signs)', async () => {
    const { privateKey, publicKey } = signingOptions('RS256');
    const lines = await problems({
      mode: 'proxy',
      authority: 'https://a.example',
      privateKey,
      publicKey,
    });
    expect(named(lines, 'privateKey')).toHaveLength(1);
  });

  it('refuses proxy mode without an authority', async () => {
    expect(named(await problems({ mode: 'proxy' }), 'authority')).toHaveLength(1);
  });

  it('refuses an authority in local mode: local and proxy cannot both be on', async () => {
    const lines = await problems({ ...hs256, authority: 'https://auth.example.com' });
    expect(named(lines, 'authority')).toHaveLength(1);
  });

  it.each(['ftp://auth.example.com', 'auth.example.com', 'not a url', 'javascript:alert(1)'])(
    'refuses the non-http(s) authority %p',
    async (authority) => {
      expect(named(await problems({ mode: 'proxy', authority }), 'authority')).toHaveLength(1);
    },
  );

  it.each(['http://127.0.0.1:3000', 'https://auth.example.com/base', 'http://localhost:8080'])(
    'accepts the authority %p in proxy mode',
    async (authority) => {
      await expect(valid({ mode: 'proxy', authority })).resolves.toMatchObject({ authority });
    },
  );

  it.each([
    [900, 900],
    [900, 600],
    [3600, 60],
  ])(
    'refuses accessExpiration %p with refreshExpiration %p (not greater)',
    async (access, refresh) => {
      const lines = await problems({
        ...hs256,
        accessExpiration: access,
        refreshExpiration: refresh,
      });
      expect(named(lines, 'refreshExpiration')).toHaveLength(1);
      expect(named(lines, 'accessExpiration')).toHaveLength(0);
    },
  );

  it('compares refreshExpiration with the default accessExpiration', async () => {
    expect(
      named(await problems({ ...hs256, refreshExpiration: 900 }), 'refreshExpiration'),
    ).toHaveLength(1);
  });

  it.each([1.5, -1, 0, '900', Number.NaN, Number.POSITIVE_INFINITY, null])(
    'refuses accessExpiration %p with exactly one line, naming it',
    async (value) => {
      expect(await problems({ ...hs256, accessExpiration: value })).toEqual([
        expect.stringMatching(/^accessExpiration: /),
      ]);
    },
  );

  it.each([3600.5, '604800', null])(
    'refuses refreshExpiration %p with exactly one line, naming it',
    async (value) => {
      expect(await problems({ ...hs256, refreshExpiration: value })).toEqual([
        expect.stringMatching(/^refreshExpiration: /),
      ]);
    },
  );

  it.each([-3600, 0])(
    'refuses refreshExpiration %p (not positive, not greater) naming only it',
    async (value) => {
      const lines = await problems({ ...hs256, refreshExpiration: value });
      expect(lines.length).toBeGreaterThan(0);
      expect(named(lines, 'refreshExpiration')).toEqual(lines);
    },
  );

  it.each([
    ['mode', 'both'],
    ['algorithm', 'none'],
    ['algorithm', 'HS1'],
    ['leeway', -1],
    ['leeway', 0.5],
    ['authType', 'Bear er'],
    ['httpHeader', 'X Header'],
    ['accessTokenName', '1token'],
    ['refreshTokenName', 'accessToken'],
    ['revocation', 'none'],
    ['rotateRefreshTokens', 'yes'],
    ['verificationKeys', {}],
    ['allowedClaims', { sub: ['x'] }],
    ['allowedClaims', { lang: 'en' }],
    ['store', {}],
    ['credentials', {}],
    ['principalLoader', 42],
    ['maxTokenSize', 10],
    ['verifyCacheSize', -1],
  ])('refuses %s = %p with exactly one line, naming it', async (name, value) => {
    expect(await problems({ ...hs256, [name]: value })).toEqual([
      expect.stringMatching(new RegExp(`^${name}: `)),
    ]);
  });

  it('refuses unknown option names, one line each', async () => {
    const lines = await problems({ ...hs256, colour: 'red', expiresIn: 60 });
    expect(named(lines, 'colour')).toHaveLength(1);
    expect(named(lines, 'expiresIn')).toHaveLength(1);
  });

  it('refuses options that are not an object', async () => {
    for (const raw of [undefined, null, 'HS256', []]) {
      expect(named(await problems(raw), 'options')).toHaveLength(1);
    }
  });

  it('refuses routePrefix inside the options (it is a module extra)', async () => {
    expect(named(await problems({ ...hs256, routePrefix: 'auth' }), 'routePrefix')).toHaveLength(1);
  });

  it('refuses a verification key without kid or key, naming the entry', async () => {
    const lines = await problems({
      ...hs256,
      verificationKeys: [{ kid: '', key: 'x'.repeat(32) }, { kid: 'b' }],
    });
    expect(named(lines, 'verificationKeys[0].kid')).toHaveLength(1);
    expect(named(lines, 'verificationKeys[1].key').length).toBeGreaterThan(0);
  });

  it('reports several broken rules as several lines of ONE error', async () => {
    const lines = await problems({
      algorithm: 'RS256',
      accessExpiration: -5,
      refreshExpiration: 'long',
      authority: 'https://auth.example.com',
      colour: 'red',
    });
    for (const name of [
      'privateKey',
      'publicKey',
      'accessExpiration',
      'refreshExpiration',
      'authority',
      'colour',
    ]) {
      expect(named(lines, name).length).toBeGreaterThan(0);
    }
  });

  it('reports broken key rules together with the other broken rules', async () => {
    const rsa = keyPair('rsa');
    const lines = await problems({
      algorithm: 'ES256',
      privateKey: rsa.privateKey,
      publicKey: rsa.publicKey,
      accessExpiration: -5,
    });
    expect(named(lines, 'accessExpiration')).toHaveLength(1);
    expect(named(lines, 'privateKey')).toHaveLength(1);
    expect(named(lines, 'publicKey')).toHaveLength(1);
  });

  it('fails forRoot() start-up with the same error', async () => {
    const builder = Test.createTestingModule({
      imports: [JwtSecurityModule.forRoot({ algorithm: 'HS256' })],
    }).setLogger(silentLogger);
    await expect(builder.compile()).rejects.toBeInstanceOf(JwtSecurityConfigError);
  });
});

describe('normalizeRoutePrefix', () => {
  it('strips surrounding slashes and keeps false', () => {
    expect(normalizeRoutePrefix('/api/auth/jwt/')).toBe('api/auth/jwt');
    expect(normalizeRoutePrefix(false)).toBe(false);
  });

  it.each(['api auth', 'api?x=1', 42, true])('refuses %p naming routePrefix', (value) => {
    let error: unknown;
    try {
      normalizeRoutePrefix(value);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(JwtSecurityConfigError);
    expect(named((error as JwtSecurityConfigError).problems, 'routePrefix')).toHaveLength(1);
  });
});
