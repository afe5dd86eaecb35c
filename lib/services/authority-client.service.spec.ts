import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { JwtSecurityOptions } from '../config/jwt-security-options.dto.js';
import {
  ServiceUnavailableError,
  TokenInvalidError,
  TokenWrongTypeError,
} from '../errors/jwt-security.errors.js';
import { AuthorityClient, errorFromAnswer, redactUrl } from './authority-client.service.js';

const refusal = (status: number, body: unknown) => ({ status, headers: {}, body });

describe('errorFromAnswer', () => {
  it.each(['access', 'refresh'] as const)(
    'token_wrong_type names the kind that was expected (%s)',
    (expected) => {
      const error = errorFromAnswer(refusal(401, { code: 'token_wrong_type' }), expected);
      expect(error).toBeInstanceOf(TokenWrongTypeError);
      expect((error as TokenWrongTypeError).expected).toBe(expected);
      expect(error.getResponse()).toEqual(new TokenWrongTypeError(expected).getResponse());
    },
  );

  it('token_wrong_type without an expected kind means an access token', () => {
    const error = errorFromAnswer(refusal(401, { code: 'token_wrong_type' }));
    expect((error as TokenWrongTypeError).expected).toBe('access');
  });

  it.each([
    ['token_expired', 401],
    ['token_revoked', 401],
    ['token_malformed', 401],
  ])('%s keeps its code', (code, status) => {
    expect(errorFromAnswer(refusal(status, { code }))).toMatchObject({ code });
  });

  it.each<[string, number, unknown, typeof TokenInvalidError | typeof ServiceUnavailableError]>([
    ['an unknown code on a 401', 401, { code: 'made_up' }, TokenInvalidError],
    ['a prototype name as code', 401, { code: '__proto__' }, TokenInvalidError],
    [
      'too_many_attempts on the claims route',
      401,
      { code: 'too_many_attempts' },
      TokenInvalidError,
    ],
    ['a 200 whose body is not an object', 200, ['not', 'claims'], ServiceUnavailableError],
    ['a 200 with a text body', 200, 'garbage', ServiceUnavailableError],
    ['a 404 without a body', 404, undefined, ServiceUnavailableError],
  ])('%s', (_name, status, body, expected) => {
    expect(errorFromAnswer(refusal(status, body))).toBeInstanceOf(expected);
  });
});

describe('redactUrl', () => {
  it.each([
    ['https://user:pass@auth.example.com/base', 'https://auth.example.com/base'],
    ['https://auth.example.com/base/?tenant=a#top', 'https://auth.example.com/base'],
    ['http://127.0.0.1:3000/api/auth/jwt', 'http://127.0.0.1:3000/api/auth/jwt'],
  ])('%s is shown as %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });

  it('an unparsable URL is not echoed', () => {
    expect(redactUrl('not a url:pass@')).toBe('(invalid URL)');
  });
});

describe('AuthorityClient logs', () => {
  afterEach(() => jest.restoreAllMocks());

  it('never show the credentials of an authority URL given past validation', async () => {
    const lines: string[] = [];
    jest.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => {
      lines.push(String(message));
    });
    const client = new AuthorityClient({
      authority: 'http://user:s3cr3t@127.0.0.1:9',
      authorityPrefix: 'api/auth/jwt',
      authorityTimeout: 100,
      httpHeader: 'Authorization',
      authType: 'Bearer',
    } as JwtSecurityOptions);
    // fetch refuses a URL with credentials before any connection: no network needed.
    await expect(client.jwks()).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('http://127.0.0.1:9/api/auth/jwt');
    expect(lines.join('\n')).not.toMatch(/s3cr3t|user/);
  });
});
