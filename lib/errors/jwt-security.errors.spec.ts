import { HttpException } from '@nestjs/common';
import {
  CsrfMismatchError,
  InsufficientScopeError,
  InvalidCredentialsError,
  InvalidRequestError,
  JWT_SECURITY_ERRORS,
  JwtSecurityError,
  NotFoundError,
  ServiceUnavailableError,
  TokenExpiredError,
  TokenInvalidError,
  TokenMalformedError,
  TokenMissingError,
  TokenNotFreshError,
  TokenRevokedError,
  TokenWrongTypeError,
  TooManyAttemptsError,
  type JwtSecurityErrorCode,
} from './jwt-security.errors.js';

/** One instance per class, built the way the module builds them, with a secret cause. */
const CAUSE = new Error('secret-password eyJhbGciOiJIUzI1NiJ9.e30.c2ln');
const cases: Array<[JwtSecurityErrorCode, number, () => JwtSecurityError]> = [
  ['invalid_request', 400, () => new InvalidRequestError(undefined, { cause: CAUSE })],
  ['invalid_credentials', 401, () => new InvalidCredentialsError({ cause: CAUSE })],
  ['token_missing', 401, () => new TokenMissingError({ cause: CAUSE })],
  ['token_malformed', 401, () => new TokenMalformedError({ cause: CAUSE })],
  ['token_invalid', 401, () => new TokenInvalidError({ cause: CAUSE })],
  ['token_expired', 401, () => new TokenExpiredError({ cause: CAUSE })],
  ['token_revoked', 401, () => new TokenRevokedError({ cause: CAUSE })],
  ['token_wrong_type', 401, () => new TokenWrongTypeError('refresh', { cause: CAUSE })],
  ['token_not_fresh', 403, () => new TokenNotFreshError({ cause: CAUSE })],
  ['insufficient_scope', 403, () => new InsufficientScopeError(['admin'], { cause: CAUSE })],
  ['csrf_mismatch', 403, () => new CsrfMismatchError({ cause: CAUSE })],
  ['too_many_attempts', 429, () => new TooManyAttemptsError(30, { cause: CAUSE })],
  ['not_found', 404, () => new NotFoundError(undefined, { cause: CAUSE })],
  ['service_unavailable', 503, () => new ServiceUnavailableError(undefined, { cause: CAUSE })],
];

describe('JwtSecurityError classes', () => {
  it('cover every code of the union, once', () => {
    expect(cases.map(([code]) => code).sort()).toEqual(Object.keys(JWT_SECURITY_ERRORS).sort());
  });

  it.each(cases)('%s renders {status, statusCode: %i, code, message}', (code, status, make) => {
    const error = make();
    expect(error).toBeInstanceOf(JwtSecurityError);
    expect(error).toBeInstanceOf(HttpException);
    expect(error).toBeInstanceOf(JWT_SECURITY_ERRORS[code]);
    expect(error.code).toBe(code);
    expect(error.statusCode).toBe(status);
    expect(error.getStatus()).toBe(status);
    expect(error.name).toBe(JWT_SECURITY_ERRORS[code].name);
    const body = error.getResponse();
    expect(Object.keys(body).sort()).toEqual(['code', 'message', 'status', 'statusCode']);
    expect(body).toEqual({
      status: 'error',
      statusCode: status,
      code,
      message: expect.any(String),
    });
    expect(body.message.length).toBeGreaterThan(0);
  });

  it.each(cases)('%s keeps its cause for logs but never serialises it', (_code, _status, make) => {
    const error = make();
    expect(error.cause).toBe(CAUSE);
    const json = JSON.stringify(error);
    expect(JSON.parse(json)).toEqual(error.getResponse());
    expect(json).not.toContain('cause');
    expect(json).not.toContain('secret-password');
    expect(json).not.toContain('eyJ');
    expect(JSON.stringify({ error })).not.toContain('secret-password');
  });

  it('renders without a cause too', () => {
    expect(JSON.stringify(new TokenInvalidError())).not.toContain('cause');
  });

  it('has a fixed message per code: the same whatever the cause', () => {
    expect(new TokenInvalidError({ cause: new Error('a') }).message).toBe(
      new TokenInvalidError({ cause: new Error('b') }).message,
    );
  });

  it('TokenWrongTypeError remembers the expected type, access by default', () => {
    expect(new TokenWrongTypeError().expected).toBe('access');
    expect(new TokenWrongTypeError('refresh').expected).toBe('refresh');
    expect(new TokenWrongTypeError('refresh').message).not.toBe(
      new TokenWrongTypeError('access').message,
    );
  });

  it('InsufficientScopeError remembers the required scopes', () => {
    expect(new InsufficientScopeError(['read', 'admin']).requiredScopes).toEqual(['read', 'admin']);
    expect(new InsufficientScopeError().requiredScopes).toEqual([]);
  });

  it('TooManyAttemptsError sets Retry-After in whole seconds, at least 1', () => {
    expect(new TooManyAttemptsError(30).headers).toEqual({ 'Retry-After': '30' });
    expect(new TooManyAttemptsError(2.1).headers['Retry-After']).toBe('3');
    expect(new TooManyAttemptsError(0).headers['Retry-After']).toBe('1');
    expect(new TooManyAttemptsError(-5).headers['Retry-After']).toBe('1');
    expect(new TooManyAttemptsError(30).retryAfterSeconds).toBe(30);
  });

  it('other errors carry no headers of their own', () => {
    for (const [code, , make] of cases) {
      if (code !== 'too_many_attempts') expect(make().headers).toEqual({});
    }
  });

  it('keeps headers per instance', () => {
    const a = new TooManyAttemptsError(5);
    const b = new TokenInvalidError();
    expect(b.headers).toEqual({});
    expect(a.headers).not.toBe(new TooManyAttemptsError(5).headers);
  });
});
