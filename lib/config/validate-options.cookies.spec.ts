import { Logger } from '@nestjs/common';
import { jest } from '@jest/globals';
import { SECRET } from '../../test/utils/keys.js';
import type { JwtSecurityModuleOptions } from '../interfaces/jwt-security-options.interface.js';
import { JwtSecurityConfigError, validateOptions } from './validate-options.js';

const hs256 = { algorithm: 'HS256', secret: SECRET } as const;

function quietLogger(): Logger {
  const logger = new Logger('test');
  jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
  return logger;
}

async function lines(
  raw: JwtSecurityModuleOptions,
  prefix: string | false = 'api/auth/jwt',
): Promise<string[]> {
  const error = await validateOptions(raw, prefix, quietLogger()).then(
    () => undefined,
    (e: unknown) => e,
  );
  return error instanceof JwtSecurityConfigError ? [...error.problems] : [];
}

describe('cookie mode options', () => {
  it('defaults to header-only with secure, lax, host-only cookies scoped to the refresh route', async () => {
    const { options } = await validateOptions({ ...hs256 }, 'auth', quietLogger());
    expect(options.tokenLocation).toEqual(['header']);
    expect(options.cookieSettings).toEqual({
      accessName: 'access_token',
      refreshName: 'refresh_token',
      csrfAccessName: 'csrf_access_token',
      csrfRefreshName: 'csrf_refresh_token',
      csrfHeader: 'X-CSRF-Token',
      csrf: true,
      secure: true,
      sameSite: 'lax',
      path: '/',
      refreshPath: '/auth/refresh',
    });
    expect(Object.isFrozen(options.cookieSettings)).toBe(true);
  });

  it('scopes refresh cookies to / when no controller is mounted', async () => {
    const { options } = await validateOptions({ ...hs256 }, false, quietLogger());
    expect(options.cookieSettings.refreshPath).toBe('/');
  });

  it('keeps a configured refreshPath (the whole prefix, for the PATCH /token alias)', async () => {
    const { options } = await validateOptions(
      { ...hs256, tokenLocation: ['cookie'], cookies: { refreshPath: '/auth' } },
      'auth',
      quietLogger(),
    );
    expect(options.cookieSettings).toMatchObject({ path: '/', refreshPath: '/auth' });
  });

  it.each([
    [[], 'tokenLocation'],
    [['query'], 'tokenLocation'],
    [['cookie', 'cookie'], 'tokenLocation'],
    ['cookie', 'tokenLocation'],
  ])('refuses tokenLocation %j', async (tokenLocation, option) => {
    const found = await lines({ ...hs256, tokenLocation: tokenLocation as never });
    expect(found.map((l) => l.split(':')[0])).toEqual([option]);
  });

  it.each([
    [{ sameSite: 'none', secure: false }],
    [{ sameSite: 'loose' }],
    [{ accessName: 'has space' }],
    [{ csrfHeader: 'bad:header' }],
    [{ secure: 'yes' }],
    [{ path: 'no-slash' }],
    [{ domain: 'a b' }],
    [{ unknownSetting: 1 }],
    ['cookies'],
  ])('refuses cookies %j with one line naming the option', async (cookies) => {
    const found = await lines({ ...hs256, tokenLocation: ['cookie'], cookies: cookies as never });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^cookies: /);
  });
});
