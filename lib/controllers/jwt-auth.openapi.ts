import { applyDecorators, type Provider, type Type } from '@nestjs/common';
import type { JwtSecurityOptions } from '../config/jwt-security-options.dto.js';
import type { JwtSecurityErrorCode } from '../errors/jwt-security.errors.js';
import { JWT_SECURITY_OPTIONS } from '../jwt-security.constants.js';
import { openApi, type OpenApiDecorator, type OpenApiOptions } from '../internal/openapi.js';
import { LoginDto } from './login.dto.js';
import { ClaimsDto, ErrorBodyDto, JwksDto, SessionDto, SuccessDto } from './openapi.dto.js';

/**
 * OpenAPI metadata of the auth controller, one decorator bundle per route. Every bundle is a
 * no-op when @nestjs/swagger is not installed (see `internal/openapi.ts`).
 */

const {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  ApiTags,
} = openApi;

/** Auth controller classes by route prefix, for `documentTokenFields`. */
const documented = new Map<string, Type<unknown>>();

/** When each code is answered (SPEC §4), for the response descriptions; one line per code. */
const WHEN: Record<JwtSecurityErrorCode, string> = {
  invalid_request: 'body or query missing or malformed',
  invalid_credentials: 'login refused',
  token_missing: 'no token',
  token_malformed: 'not a JWT, bad base64/JSON, too large',
  token_invalid: 'bad signature, algorithm, key, audience, issuer or header',
  token_expired: 'past `exp` (+ leeway)',
  token_revoked: 'revoked, its session was, or its principal is gone',
  token_wrong_type: 'an access token where a refresh token is required, or the reverse',
  token_not_fresh: 'token not fresh',
  insufficient_scope: 'a required scope is missing',
  csrf_mismatch: 'cookie mode: token from a cookie, CSRF header missing or not matching',
  too_many_attempts: 'login throttled; see `Retry-After`',
  not_found: 'no such resource',
  service_unavailable: 'mode `disabled`, or the store or authority cannot be reached',
};

/** Headers that come with an error status. */
const ERROR_HEADERS: Record<number, OpenApiOptions> = {
  401: {
    'WWW-Authenticate': {
      description: 'RFC 6750 challenge, e.g. `Bearer realm="api", error="invalid_token"`.',
      schema: { type: 'string' },
    },
  },
  429: {
    'Retry-After': { description: 'Seconds before trying again.', schema: { type: 'integer' } },
  },
};

type ErrorsByStatus = Readonly<Partial<Record<number, readonly JwtSecurityErrorCode[]>>>;

const TOKEN_ERRORS = [
  'token_missing',
  'token_malformed',
  'token_invalid',
  'token_expired',
  'token_revoked',
] as const satisfies readonly JwtSecurityErrorCode[];
const UNAVAILABLE = ['service_unavailable'] as const;

/** Refusals of a route that takes either kind of token, and of one that takes one kind. */
const ANY_TOKEN: ErrorsByStatus = { 401: TOKEN_ERRORS, 503: UNAVAILABLE };
const ONE_KIND: ErrorsByStatus = { 401: [...TOKEN_ERRORS, 'token_wrong_type'], 503: UNAVAILABLE };
/** Unsafe methods whose token came from a cookie also need the CSRF header (cookie mode). */
const CSRF: ErrorsByStatus = { 403: ['csrf_mismatch'] };

/** The error body of `status`, its `code` narrowed to `codes`. */
export function errorSchema(status: number, codes: readonly string[]): OpenApiOptions {
  return {
    type: 'object',
    required: ['status', 'statusCode', 'code', 'message'],
    properties: {
      status: { type: 'string', enum: ['error'] },
      statusCode: { type: 'integer', enum: [status] },
      code: { type: 'string', enum: [...codes] },
      message: { type: 'string' },
    },
  };
}

function errorResponses(byStatus: ErrorsByStatus): OpenApiDecorator[] {
  return Object.entries(byStatus).map(([key, codes = []]) => {
    const status = Number(key);
    return ApiResponse({
      status,
      description: codes.map((code) => `\`${code}\`: ${WHEN[code]}`).join('; '),
      schema: errorSchema(status, codes),
      ...(ERROR_HEADERS[status] && { headers: ERROR_HEADERS[status] }),
    });
  });
}

/**
 * A successful login or refresh, with the configured field names; with `tokenLocation:
 * ['cookie']` the tokens are set as cookies only and the body is `{status}`.
 */
export function tokenSchema(
  access: string,
  refresh: string,
  refreshRequired: boolean,
  inBody = true,
): OpenApiOptions {
  if (!inBody) {
    return {
      type: 'object',
      required: ['status'],
      properties: { status: { type: 'string', enum: ['success'] } },
      description: "The tokens are set as cookies only (`tokenLocation: ['cookie']`).",
    };
  }
  return {
    type: 'object',
    required: ['status', access, ...(refreshRequired ? [refresh] : [])],
    properties: {
      status: { type: 'string', enum: ['success'] },
      [access]: { type: 'string', description: 'The access token (a JWT).' },
      [refresh]: {
        type: 'string',
        description: refreshRequired
          ? 'The refresh token (a JWT).'
          : 'The new refresh token, when refresh tokens rotate (the one sent is then retired).',
      },
    },
  };
}

const LOGIN_RESPONSE =
  'Tokens issued; the field names follow `accessTokenName` and `refreshTokenName`.';

function route(
  summary: string,
  description: string,
  errors: ErrorsByStatus,
  ...more: OpenApiDecorator[]
): MethodDecorator {
  return applyDecorators(
    ApiOperation({ summary, description }),
    ...more,
    ...errorResponses(errors),
  );
}

/** Tag, shared models, and the class recorded for `documentTokenFields`. */
export function ApiJwtAuthController(prefix: string): ClassDecorator {
  return applyDecorators(ApiTags('auth'), ApiExtraModels(ErrorBodyDto), (target: object) => {
    documented.set(prefix, target as Type<unknown>);
  });
}

/** `POST /login` and its alias `POST /token`. */
export function ApiLoginRoute(alias?: string): MethodDecorator {
  return route(
    alias ? `Log in (PyAMS alias of POST /${alias})` : 'Log in with credentials',
    'Checks `login` and `password` and opens a session. JSON or form body; `claims` requests ' +
      'custom claims, accepted when allow-listed by `allowedClaims` (a JSON string in a form).',
    {
      400: ['invalid_request'],
      401: ['invalid_credentials'],
      429: ['too_many_attempts'],
      503: UNAVAILABLE,
    },
    ApiConsumes('application/json', 'application/x-www-form-urlencoded'),
    ApiBody({
      type: LoginDto,
      encoding: { claims: { contentType: 'application/json' } },
    }),
    ApiOkResponse({
      description: LOGIN_RESPONSE,
      schema: tokenSchema('accessToken', 'refreshToken', true),
    }),
  );
}

/** `POST /refresh` and its alias `PATCH /token`. */
export function ApiRefreshRoute(alias?: string): MethodDecorator {
  return route(
    alias ? `Refresh (PyAMS alias of POST /${alias})` : 'Refresh the access token',
    'Send the refresh token as the bearer token. Returns a new access token and, when refresh ' +
      'tokens rotate, a new refresh token; a rotated refresh token used again ends its session.',
    { ...ONE_KIND, ...CSRF },
    ApiBearerAuth(),
    ApiOkResponse({
      description: LOGIN_RESPONSE,
      schema: tokenSchema('accessToken', 'refreshToken', false),
    }),
  );
}

/** `POST /verify`. */
export function ApiVerifyRoute(): MethodDecorator {
  return route(
    'Verify an access token',
    'Answers 200 when the bearer access token is valid and not revoked.',
    { ...ONE_KIND, ...CSRF },
    ApiBearerAuth(),
    ApiOkResponse({ description: 'The token is valid.', type: SuccessDto }),
  );
}

/** `GET /claims` and its alias `GET /token` (with `?obj=`). */
export function ApiClaimsRoute(alias?: string): MethodDecorator {
  if (!alias) {
    return route(
      'Read the claims of a token',
      'Verifies the bearer token, access or refresh, and returns its claims.',
      ANY_TOKEN,
      ApiBearerAuth(),
      ApiOkResponse({ description: 'The verified claims.', type: ClaimsDto }),
    );
  }
  return route(
    `Read the claims of a token (PyAMS alias of GET /${alias})`,
    'As `GET /claims`; `obj` requires one kind of token.',
    { 400: ['invalid_request'], ...ONE_KIND },
    ApiBearerAuth(),
    ApiQuery({ name: 'obj', required: false, enum: ['access', 'refresh'] }),
    ApiOkResponse({ description: 'The verified claims.', type: ClaimsDto }),
  );
}

/** `POST /logout`. */
export function ApiLogoutRoute(): MethodDecorator {
  return route(
    'Log out',
    "Revokes the session of the bearer token (access or refresh): all that session's tokens.",
    { ...ANY_TOKEN, ...CSRF },
    ApiBearerAuth(),
    ApiOkResponse({ description: 'The session is revoked.', type: SuccessDto }),
  );
}

/** `GET /sessions`. */
export function ApiSessionsRoute(): MethodDecorator {
  return route(
    'List your sessions',
    "The caller's live sessions, newest first; `current` marks the one of the bearer token.",
    ONE_KIND,
    ApiBearerAuth(),
    ApiOkResponse({ description: 'The sessions.', type: SessionDto, isArray: true }),
  );
}

/** `DELETE /sessions/{id}`. */
export function ApiRevokeSessionRoute(): MethodDecorator {
  return route(
    'Revoke one of your sessions',
    "Revokes the session and all its tokens. Another user's session answers 404.",
    { ...ONE_KIND, ...CSRF, 404: ['not_found'] },
    ApiBearerAuth(),
    ApiParam({
      name: 'id',
      description: 'Session id, as listed by `GET /sessions`.',
      type: String,
    }),
    ApiNoContentResponse({ description: 'The session is revoked.' }),
  );
}

/** `GET /jwks`. */
export function ApiJwksRoute(): MethodDecorator {
  return route(
    'Public keys (JWKS)',
    'The public keys that verify the tokens (RFC 7517); 404 when tokens are signed with a ' +
      'shared secret (HS*).',
    { 404: ['not_found'], 503: UNAVAILABLE },
    ApiOkResponse({ description: 'The key set.', type: JwksDto }),
  );
}

/**
 * Documents the token responses of the controller at `options.routePrefix` as the module is
 * configured (known only once the options are resolved): the field names, and no tokens in the
 * body with cookies only. Controller classes are shared per prefix, so the app created last
 * decides, which only matters to a process running two differently configured apps.
 */
export function documentTokenFields(options: JwtSecurityOptions): void {
  const controller =
    options.routePrefix === false ? undefined : documented.get(options.routePrefix);
  const { accessTokenName: access, refreshTokenName: refresh } = options;
  const inBody = options.tokenLocation.includes('header');
  if (!openApi.available || !controller) return;
  const proto = controller.prototype as object;
  for (const [method, refreshRequired] of [
    ['login', true],
    ['token', true],
    ['refresh', false],
    ['patchToken', false],
  ] as const) {
    const descriptor = Object.getOwnPropertyDescriptor(proto, method);
    if (!descriptor) continue;
    // An empty description keeps the one already there; the schema replaces the default names.
    ApiOkResponse({
      description: '',
      schema: tokenSchema(access, refresh, refreshRequired, inBody),
    })(proto, method, descriptor);
  }
}

/** Runs `documentTokenFields` once the options are resolved. */
export const openApiProvider: Provider = {
  provide: Symbol('JWT_SECURITY_OPENAPI'),
  useFactory: (options: JwtSecurityOptions): boolean => {
    documentTokenFields(options);
    return true;
  },
  inject: [JWT_SECURITY_OPTIONS],
};
