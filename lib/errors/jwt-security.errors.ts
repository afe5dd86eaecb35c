import { HttpException } from '@nestjs/common';

/**
 * Every error code the module answers with (SPEC §4), in one union.
 *
 * @publicApi
 */
export type JwtSecurityErrorCode =
  | 'invalid_request'
  | 'invalid_credentials'
  | 'token_missing'
  | 'token_malformed'
  | 'token_invalid'
  | 'token_expired'
  | 'token_revoked'
  | 'token_wrong_type'
  | 'token_not_fresh'
  | 'insufficient_scope'
  | 'csrf_mismatch'
  | 'too_many_attempts'
  | 'not_found'
  | 'service_unavailable';

/**
 * The JSON body of every error the module produces.
 *
 * @publicApi
 */
export interface JwtSecurityErrorBody {
  status: 'error';
  statusCode: number;
  code: JwtSecurityErrorCode;
  message: string;
}

/**
 * Base class of every error the module throws. It renders as
 * `{status:'error', statusCode, code, message}`; the message is fixed per code and never
 * contains a token, a secret or a password. `cause` is kept for logs of the app's own choosing
 * and is never rendered.
 *
 * An app reshapes the bodies with its own exception filter:
 * @example
 * ```ts
 * @Catch(JwtSecurityError)
 * @Injectable()
 * export class MyAuthErrorFilter implements ExceptionFilter {
 *   constructor(private readonly adapterHost: HttpAdapterHost) {}
 *   catch(error: JwtSecurityError, host: ArgumentsHost) {
 *     const response = host.switchToHttp().getResponse();
 *     this.adapterHost.httpAdapter.reply(response, { error: error.code }, error.statusCode);
 *   }
 * }
 * ```
 * @publicApi
 */
export abstract class JwtSecurityError extends HttpException {
  abstract readonly code: JwtSecurityErrorCode;

  /** Response headers that belong to this error (`WWW-Authenticate`, `Retry-After`). */
  readonly headers: Record<string, string> = {};

  constructor(
    readonly statusCode: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, statusCode, { cause: options?.cause });
    this.name = new.target.name;
  }

  override getResponse(): JwtSecurityErrorBody {
    return { status: 'error', statusCode: this.statusCode, code: this.code, message: this.message };
  }

  /** Same as `getResponse()`, so `JSON.stringify(error)` never leaks `cause`. */
  toJSON(): JwtSecurityErrorBody {
    return this.getResponse();
  }
}

/** 400: the body is missing or malformed. @publicApi */
export class InvalidRequestError extends JwtSecurityError {
  readonly code = 'invalid_request';
  constructor(
    message = 'The request body is missing or malformed.',
    options?: { cause?: unknown },
  ) {
    super(400, message, options);
  }
}

/** 401: the login was refused (unknown login and wrong password are not told apart). @publicApi */
export class InvalidCredentialsError extends JwtSecurityError {
  readonly code = 'invalid_credentials';
  constructor(options?: { cause?: unknown }) {
    super(401, 'Invalid login or password.', options);
  }
}

/** 401: no token where one is required. @publicApi */
export class TokenMissingError extends JwtSecurityError {
  readonly code = 'token_missing';
  constructor(options?: { cause?: unknown }) {
    super(401, 'A token is required.', options);
  }
}

/** 401: not a JWT, bad base64 or JSON, or too large. @publicApi */
export class TokenMalformedError extends JwtSecurityError {
  readonly code = 'token_malformed';
  constructor(options?: { cause?: unknown }) {
    super(401, 'The token is malformed.', options);
  }
}

/** 401: bad signature, algorithm, key, audience, issuer or header. @publicApi */
export class TokenInvalidError extends JwtSecurityError {
  readonly code = 'token_invalid';
  constructor(options?: { cause?: unknown }) {
    super(401, 'The token is invalid.', options);
  }
}

/** 401: the token is past its `exp` (plus leeway). @publicApi */
export class TokenExpiredError extends JwtSecurityError {
  readonly code = 'token_expired';
  constructor(options?: { cause?: unknown }) {
    super(401, 'The token has expired.', options);
  }
}

/** 401: the token or its session was revoked, or its principal no longer exists. @publicApi */
export class TokenRevokedError extends JwtSecurityError {
  readonly code = 'token_revoked';
  constructor(options?: { cause?: unknown }) {
    super(401, 'The token has been revoked.', options);
  }
}

/** 401: the token's `obj` is not the one the route requires. @publicApi */
export class TokenWrongTypeError extends JwtSecurityError {
  readonly code = 'token_wrong_type';
  constructor(
    readonly expected: 'access' | 'refresh' = 'access',
    options?: { cause?: unknown },
  ) {
    super(401, `An ${expected === 'access' ? 'access' : 'refresh'} token is required.`, options);
  }
}

/** 403: the route is `@Fresh()` and the token was not issued from credentials. @publicApi */
export class TokenNotFreshError extends JwtSecurityError {
  readonly code = 'token_not_fresh';
  constructor(options?: { cause?: unknown }) {
    super(403, 'A fresh token is required.', options);
  }
}

/** 403: the token lacks a scope required by `@RequireScopes()`. @publicApi */
export class InsufficientScopeError extends JwtSecurityError {
  readonly code = 'insufficient_scope';
  constructor(
    readonly requiredScopes: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(403, 'The token lacks a required scope.', options);
  }
}

/**
 * 403: cookie mode, an unsafe method, and the CSRF header does not match the token's `csrf`
 * claim (double-submit protection). @publicApi
 */
export class CsrfMismatchError extends JwtSecurityError {
  readonly code = 'csrf_mismatch';
  constructor(options?: { cause?: unknown }) {
    super(403, 'The CSRF header is missing or does not match.', options);
  }
}

/** 429: too many login attempts; `Retry-After` tells when to come back. @publicApi */
export class TooManyAttemptsError extends JwtSecurityError {
  readonly code = 'too_many_attempts';
  constructor(
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(429, 'Too many attempts, retry later.', options);
    this.headers['Retry-After'] = String(Math.max(1, Math.ceil(retryAfterSeconds)));
  }
}

/** 404: no such session for the caller, or no JWKS for an HMAC configuration. @publicApi */
export class NotFoundError extends JwtSecurityError {
  readonly code = 'not_found';
  constructor(message = 'Not found.', options?: { cause?: unknown }) {
    super(404, message, options);
  }
}

/** 503: mode `disabled`, or the store or authority cannot be reached. @publicApi */
export class ServiceUnavailableError extends JwtSecurityError {
  readonly code = 'service_unavailable';
  constructor(
    message = 'The authentication service is unavailable.',
    options?: { cause?: unknown },
  ) {
    super(503, message, options);
  }
}

/** Every error class by its code, for apps and tests that map codes back to classes. @publicApi */
export const JWT_SECURITY_ERRORS = {
  invalid_request: InvalidRequestError,
  invalid_credentials: InvalidCredentialsError,
  token_missing: TokenMissingError,
  token_malformed: TokenMalformedError,
  token_invalid: TokenInvalidError,
  token_expired: TokenExpiredError,
  token_revoked: TokenRevokedError,
  token_wrong_type: TokenWrongTypeError,
  token_not_fresh: TokenNotFreshError,
  insufficient_scope: InsufficientScopeError,
  csrf_mismatch: CsrfMismatchError,
  too_many_attempts: TooManyAttemptsError,
  not_found: NotFoundError,
  service_unavailable: ServiceUnavailableError,
} as const satisfies Record<JwtSecurityErrorCode, unknown>;
