import { jest } from '@jest/globals';
import {
  InsufficientScopeError,
  InvalidCredentialsError,
  InvalidRequestError,
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
  type JwtSecurityError,
} from '../errors/jwt-security.errors.js';
import { applyErrorHeaders, challengeFor } from './challenge.js';

/** RFC 6750 §3: `<scheme> realm="..."[, auth-param]*`, quoted values without quotes inside. */
const CHALLENGE = /^(\S+) realm="[^"]*"(, [a-z_]+="[^"]*")*$/;

/** Parses the auth-params of a challenge. */
function params(challenge: string): Record<string, string> {
  return Object.fromEntries(
    [...challenge.matchAll(/([a-z_]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]),
  );
}

describe('challengeFor (WWW-Authenticate, RFC 6750)', () => {
  it.each([
    ['token_missing', new TokenMissingError()],
    ['invalid_credentials', new InvalidCredentialsError()],
  ])('%s: a bare challenge with the realm and no error', (_code, error) => {
    const challenge = challengeFor(error, 'Bearer')!;
    expect(challenge).toMatch(CHALLENGE);
    expect(challenge.startsWith('Bearer realm=')).toBe(true);
    expect(params(challenge)).not.toHaveProperty('error');
  });

  it.each([
    new TokenMalformedError(),
    new TokenInvalidError(),
    new TokenExpiredError(),
    new TokenRevokedError(),
    new TokenWrongTypeError('refresh'),
  ])('%s: error="invalid_token" with the code as description', (error) => {
    const challenge = challengeFor(error, 'Bearer')!;
    expect(challenge).toMatch(CHALLENGE);
    expect(challenge.startsWith('Bearer realm=')).toBe(true);
    expect(params(challenge)).toMatchObject({
      error: 'invalid_token',
      error_description: error.code,
    });
  });

  it('insufficient_scope: a 403 challenge naming the required scopes', () => {
    const challenge = challengeFor(new InsufficientScopeError(['admin', 'write']), 'Bearer')!;
    expect(challenge).toMatch(CHALLENGE);
    expect(params(challenge)).toMatchObject({ error: 'insufficient_scope', scope: 'admin write' });
  });

  it('uses the configured authType as the scheme', () => {
    expect(challengeFor(new TokenMissingError(), 'JWT')!.startsWith('JWT realm=')).toBe(true);
    expect(challengeFor(new TokenExpiredError(), 'JWT')!.startsWith('JWT realm=')).toBe(true);
  });

  it.each([
    new InvalidRequestError(),
    new TokenNotFreshError(),
    new TooManyAttemptsError(10),
    new NotFoundError(),
    new ServiceUnavailableError(),
  ])('%s: no challenge', (error) => {
    expect(challengeFor(error, 'Bearer')).toBeUndefined();
  });
});

describe('applyErrorHeaders', () => {
  function express() {
    return { setHeader: jest.fn<(name: string, value: string) => void>(), headersSent: false };
  }
  function fastify() {
    return { header: jest.fn<(name: string, value: string) => void>(), sent: false };
  }

  it('sets WWW-Authenticate on an Express response', () => {
    const response = express();
    applyErrorHeaders(response, new TokenExpiredError(), 'Bearer');
    expect(response.setHeader).toHaveBeenCalledWith(
      'WWW-Authenticate',
      challengeFor(new TokenExpiredError(), 'Bearer'),
    );
  });

  it('sets WWW-Authenticate on a Fastify reply', () => {
    const reply = fastify();
    applyErrorHeaders(reply, new TokenMissingError(), 'Bearer');
    expect(reply.header).toHaveBeenCalledWith('WWW-Authenticate', 'Bearer realm="api"');
  });

  it('sets Retry-After for TooManyAttemptsError, and no challenge', () => {
    const response = express();
    applyErrorHeaders(response, new TooManyAttemptsError(42), 'Bearer');
    expect(response.setHeader.mock.calls).toEqual([['Retry-After', '42']]);
  });

  it('sets nothing once the headers are sent, and tolerates a missing response', () => {
    const response = { ...express(), headersSent: true };
    applyErrorHeaders(response, new TokenInvalidError(), 'Bearer');
    expect(response.setHeader).not.toHaveBeenCalled();
    expect(() => applyErrorHeaders(undefined, new TokenInvalidError(), 'Bearer')).not.toThrow();
  });

  it('never puts anything of the request in the challenge', () => {
    const error: JwtSecurityError = new TokenInvalidError({ cause: new Error('token eyJ.x.y') });
    expect(challengeFor(error, 'Bearer')).not.toContain('eyJ');
  });
});
