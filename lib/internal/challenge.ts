import { InsufficientScopeError, JwtSecurityError } from '../errors/jwt-security.errors.js';
import { setResponseHeader } from './http.js';

const TOKEN_ERRORS = new Set([
  'token_malformed',
  'token_invalid',
  'token_expired',
  'token_revoked',
  'token_wrong_type',
]);

/**
 * The `WWW-Authenticate` challenge of an error (RFC 6750 §3): every 401, and the 403 of a
 * missing scope. The description is the error code, never anything from the request.
 */
export function challengeFor(error: JwtSecurityError, authType: string): string | undefined {
  if (error instanceof InsufficientScopeError) {
    return `${authType} realm="api", error="insufficient_scope", scope="${error.requiredScopes.join(' ')}"`;
  }
  if (error.statusCode !== 401) return undefined;
  if (TOKEN_ERRORS.has(error.code)) {
    return `${authType} realm="api", error="invalid_token", error_description="${error.code}"`;
  }
  return `${authType} realm="api"`;
}

/** Puts the headers that belong to `error` on the response, before it is thrown. */
export function applyErrorHeaders(
  response: unknown,
  error: JwtSecurityError,
  authType: string,
): void {
  const challenge = challengeFor(error, authType);
  if (challenge) setResponseHeader(response, 'WWW-Authenticate', challenge);
  for (const [name, value] of Object.entries(error.headers))
    setResponseHeader(response, name, value);
}
