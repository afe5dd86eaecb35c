import { Logger } from '@nestjs/common';
import { jest } from '@jest/globals';
import { SECRET, signingOptions } from '../../test/utils/keys.js';
import type { JwtSecurityModuleOptions } from '../interfaces/jwt-security-options.interface.js';
import { DEFAULT_ROUTE_PREFIX } from '../jwt-security.constants.js';
import { JwtSecurityConfigError, validateOptions } from './validate-options.js';

const AUTHORITY = 'https://auth.example.com';

function quietLogger(): Logger {
  const logger = new Logger('test');
  jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
  return logger;
}

/** The lines of the error the options are refused with, or `[]` when they are valid. */
async function problems(raw: JwtSecurityModuleOptions): Promise<readonly string[]> {
  try {
    await validateOptions(raw, DEFAULT_ROUTE_PREFIX, quietLogger());
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(JwtSecurityConfigError);
    return (error as JwtSecurityConfigError).problems;
  }
}

/** The option names of the problem lines. */
const names = (lines: readonly string[]): string[] =>
  lines.map((line) => line.slice(0, line.indexOf(':')));

class Credentials {
  validate(): null {
    return null;
  }
}

/** Options only local mode uses, each with a value a user could give. */
const LOCAL_ONLY: [string, JwtSecurityModuleOptions][] = [
  ['privateKey', { privateKey: signingOptions('RS256').privateKey }],
  ['credentials', { credentials: Credentials }],
  ['claimsLoader', { claimsLoader: { loadClaims: () => ({}) } }],
  ['allowedClaims', { allowedClaims: { lang: ['en', 'fr'] } }],
  ['allowedClaims', { allowedClaims: {} }],
  ['rotateRefreshTokens', { rotateRefreshTokens: false }],
  ['rotateRefreshTokens', { rotateRefreshTokens: true }],
  ['refreshReuseGrace', { refreshReuseGrace: 10 }],
  ['refreshReuseGrace', { refreshReuseGrace: 0 }],
  ['loginThrottle', { loginThrottle: false }],
  ['loginThrottle', { loginThrottle: { limit: 5 } }],
  ['cookies', { cookies: { secure: false } }],
  ['cookies', { cookies: {} }],
  ['tokenLocation', { tokenLocation: ['cookie'] }],
  ['tokenLocation', { tokenLocation: ['header', 'cookie'] }],
];

describe('validateOptions: local-only options in proxy mode (issue 4 §3)', () => {
  it.each(LOCAL_ONLY)('%s given in proxy mode is reported (case %#)', async (name, extra) => {
    const lines = await problems({ mode: 'proxy', authority: AUTHORITY, ...extra });
    expect(names(lines)).toEqual([name]);
    expect(lines[0]).toMatch(/local mode/);
  });

  it.each(LOCAL_ONLY)('%s is accepted in local mode (case %#)', async (_name, extra) => {
    const keys = signingOptions('RS256');
    expect(await problems({ ...keys, ...extra })).toEqual([]);
  });

  it('defaults never count as given: a bare proxy configuration is valid', async () => {
    expect(await problems({ mode: 'proxy', authority: AUTHORITY })).toEqual([]);
  });

  it('an option given as undefined counts as not given', async () => {
    const lines = await problems({
      mode: 'proxy',
      authority: AUTHORITY,
      rotateRefreshTokens: undefined,
      loginThrottle: undefined,
      cookies: undefined,
      allowedClaims: undefined,
    });
    expect(lines).toEqual([]);
  });

  it("tokenLocation ['header'] is fine in proxy mode, given or not", async () => {
    expect(
      await problems({ mode: 'proxy', authority: AUTHORITY, tokenLocation: ['header'] }),
    ).toEqual([]);
  });

  it('every local-only option at once: one line each', async () => {
    const lines = await problems({
      mode: 'proxy',
      authority: AUTHORITY,
      algorithm: 'HS256',
      secret: SECRET,
      allowedClaims: { lang: ['en'] },
      rotateRefreshTokens: false,
      refreshReuseGrace: 5,
      loginThrottle: false,
      cookies: { csrf: false },
      tokenLocation: ['cookie', 'header'],
    });
    expect(names(lines).sort()).toEqual([
      'allowedClaims',
      'cookies',
      'loginThrottle',
      'refreshReuseGrace',
      'rotateRefreshTokens',
      'tokenLocation',
    ]);
  });
});

describe('validateOptions: the authority URL', () => {
  it.each([
    ['user info', 'https://user:s3cr3t-pass@auth.example.com', /credentials/],
    ['a user name alone', 'https://user@auth.example.com/base', /credentials/],
    ['a query', 'https://auth.example.com/base?tenant=a', /query/],
    ['an empty query', 'https://auth.example.com/?', /query/],
    ['a fragment', 'https://auth.example.com/base#top', /fragment/],
  ])('refuses %s, naming authority and echoing no password', async (_what, authority, why) => {
    const lines = await problems({ mode: 'proxy', authority });
    expect(names(lines)).toEqual(['authority']);
    expect(lines[0]).toMatch(why);
    expect(lines.join('\n')).not.toContain('s3cr3t');
  });

  it.each(['https://auth.example.com/base/', 'http://127.0.0.1:3000', 'http://[::1]:8080/sso'])(
    'accepts the base URL %p',
    async (authority) => {
      expect(await problems({ mode: 'proxy', authority })).toEqual([]);
    },
  );
});
