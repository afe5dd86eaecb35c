import type { JwtSecurityErrorCode } from '../errors/jwt-security.errors.js';
import { JWT_SECURITY_ERRORS } from '../errors/jwt-security.errors.js';
import type { SessionInfo } from '../services/jwt-auth.service.js';
import { openApi } from '../internal/openapi.js';

const { ApiProperty, ApiPropertyOptional, ApiSchema } = openApi;

/** Every error code, in the order of SPEC §4. */
const ERROR_CODES = Object.keys(JWT_SECURITY_ERRORS) as JwtSecurityErrorCode[];

/**
 * Body of a successful login or refresh with the default field names (`accessTokenName`,
 * `refreshTokenName`). The auth routes document the names your module is configured with.
 *
 * @example
 * ```ts
 * @ApiOkResponse({ type: TokenResponseDto })
 * @Post('sign-up')
 * signUp(@Body() body: SignUpDto) { ... } // logs the new user in with JwtAuthService
 * ```
 * @publicApi
 */
@ApiSchema({ description: 'Tokens issued by login or refresh.' })
export class TokenResponseDto {
  @ApiProperty({ enum: ['success'], example: 'success' })
  status!: 'success';

  @ApiProperty({ description: 'The access token (a JWT).', example: 'eyJhbGciOi...' })
  accessToken!: string;

  @ApiPropertyOptional({
    description: 'The refresh token; after a refresh, present when refresh tokens rotate.',
    example: 'eyJhbGciOi...',
  })
  refreshToken?: string;
}

/**
 * Body of `POST /verify` and `POST /logout`.
 *
 * @example
 * ```ts
 * @ApiOkResponse({ type: SuccessDto })
 * ```
 * @publicApi
 */
export class SuccessDto {
  @ApiProperty({ enum: ['success'], example: 'success' })
  status!: 'success';
}

/**
 * The body of every error the module answers with (`JwtSecurityErrorBody`). Each auth route
 * documents, per status, the codes it can answer with.
 *
 * @example
 * ```ts
 * // document your own guarded route's refusals
 * @ApiUnauthorizedResponse({ type: ErrorBodyDto })
 * @UseGuards(JwtAuthGuard)
 * @Get('profile')
 * profile() { ... }
 * ```
 * @publicApi
 */
@ApiSchema({ description: 'Error body: `{status, statusCode, code, message}`.' })
export class ErrorBodyDto {
  @ApiProperty({ enum: ['error'], example: 'error' })
  status!: 'error';

  @ApiProperty({ type: 'integer', example: 401 })
  statusCode!: number;

  @ApiProperty({ enum: ERROR_CODES, example: 'token_expired' })
  code!: JwtSecurityErrorCode;

  @ApiProperty({
    description: 'A fixed, human-readable message; never a token, a secret or a password.',
    example: 'The token has expired.',
  })
  message!: string;
}

/**
 * The claims of a verified token (`GET /claims`, `GET /token`), plus any custom claims.
 *
 * @example
 * ```ts
 * @ApiOkResponse({ type: ClaimsDto })
 * @UseGuards(JwtAuthGuard)
 * @Get('me')
 * me(@CurrentClaims() claims: JwtClaims) { return claims; }
 * ```
 * @publicApi
 */
@ApiSchema({ description: 'Claims of a verified token; custom claims are added as they are.' })
export class ClaimsDto {
  @ApiProperty({ description: 'The principal id.', example: 'users:user1' })
  sub!: string;

  @ApiProperty({ type: 'integer', description: 'Issued at (seconds since the epoch).' })
  iat!: number;

  @ApiProperty({ type: 'integer', description: 'Expires at (seconds since the epoch).' })
  exp!: number;

  @ApiProperty({ description: 'Token id.' })
  jti!: string;

  @ApiProperty({ enum: ['access', 'refresh'] })
  obj!: 'access' | 'refresh';

  @ApiProperty({ description: 'Session id, shared by the tokens of one login.' })
  sid!: string;

  @ApiPropertyOptional({ description: 'On access tokens issued from credentials.' })
  fresh?: boolean;

  @ApiPropertyOptional({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    description: 'When the module is configured with an audience.',
  })
  aud?: string | string[];

  @ApiPropertyOptional({ description: 'When the module is configured with an issuer.' })
  iss?: string;

  @ApiPropertyOptional({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    description: 'Scopes, when the credentials validator or a claims loader grants some.',
  })
  scope?: string | string[];
}

/**
 * One of the caller's sessions, as `GET /sessions` lists them.
 *
 * @example
 * ```ts
 * @ApiOkResponse({ type: [SessionDto] })
 * ```
 * @publicApi
 */
export class SessionDto implements SessionInfo {
  @ApiProperty({ description: 'Session id (`sid`), for `DELETE /sessions/{id}`.' })
  id!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', description: 'The last login or refresh.' })
  lastUsedAt!: string;

  @ApiProperty({ format: 'date-time' })
  expiresAt!: string;

  @ApiProperty({ type: 'string', nullable: true })
  userAgent!: string | null;

  @ApiProperty({ type: 'string', nullable: true })
  ip!: string | null;

  @ApiProperty({ description: '`true` for the session of the token that asked.' })
  current!: boolean;
}

/**
 * A public key of the JWKS (RFC 7517), with the members of its key type.
 *
 * @example
 * ```ts
 * @ApiOkResponse({ type: JwkDto })
 * ```
 * @publicApi
 */
@ApiSchema({ description: 'A public JSON Web Key; the members depend on `kty`.' })
export class JwkDto {
  @ApiProperty({ enum: ['RSA', 'EC', 'OKP'] })
  kty!: string;

  @ApiProperty()
  kid!: string;

  @ApiProperty({ example: 'RS256' })
  alg!: string;

  @ApiProperty({ enum: ['sig'] })
  use!: string;

  @ApiPropertyOptional({ description: 'RSA modulus.' })
  n?: string;

  @ApiPropertyOptional({ description: 'RSA exponent.' })
  e?: string;

  @ApiPropertyOptional({ description: 'EC or OKP curve.' })
  crv?: string;

  @ApiPropertyOptional()
  x?: string;

  @ApiPropertyOptional()
  y?: string;
}

/**
 * Body of `GET /jwks`: the public keys that verify the tokens (RFC 7517).
 *
 * @example
 * ```ts
 * @ApiOkResponse({ type: JwksDto })
 * ```
 * @publicApi
 */
export class JwksDto {
  @ApiProperty({ type: () => JwkDto, isArray: true })
  keys!: JwkDto[];
}
