// Module
export { JwtSecurityModule } from './jwt-security.module.js';
export type {
  JwtSecurityModuleAsyncOptions,
  JwtSecurityModuleExtras,
  JwtSecurityModuleForRootOptions,
} from './jwt-security.module-definition.js';
export {
  JWT_SECURITY_STRATEGY,
  DEFAULT_ROUTE_PREFIX,
  RESERVED_CLAIMS,
} from './jwt-security.constants.js';

// Options
export type {
  AllowedClaims,
  JwtAlgorithm,
  JwtSecurityMode,
  JwtSecurityModuleOptions,
  CookieOptions,
  KeyInput,
  Provided,
  TokenLocation,
  VerificationKey,
} from './interfaces/jwt-security-options.interface.js';
export type { JwtSecurityOptions } from './config/jwt-security-options.dto.js';
export type { CookieSettings } from './internal/cookies.js';
export { JwtSecurityConfigError } from './config/validate-options.js';
export {
  getJwtSecurityOptionsToken,
  InjectJwtSecurityOptions,
} from './decorators/inject-options.decorator.js';

// Claims and extension points
export type {
  JwtClaims,
  JwtHeader,
  JwtObjectType,
  TokenPair,
  VerifiedToken,
} from './interfaces/jwt-claims.interface.js';
export type {
  AuthenticatedPrincipal,
  CredentialsValidator,
  LoginContext,
} from './interfaces/credentials-validator.interface.js';
export type {
  ClaimsLoader,
  ClaimsLoaderContext,
  PrincipalLoader,
} from './interfaces/principal-loader.interface.js';

export type {
  JwtSecurityEvent,
  JwtSecurityEventListener,
  JwtSecurityEventType,
} from './interfaces/jwt-security-event.interface.js';

// Guards, strategy, decorators
export { JwtAuthGuard } from './guards/jwt-auth.guard.js';
export { JwtObjectGuard } from './guards/jwt-object.guard.js';
export {
  JwtSecurityStrategy,
  type JwtSecurityAuthenticateOptions,
} from './strategies/jwt-security.strategy.js';
export { Public } from './decorators/public.decorator.js';
export { OptionalJwt } from './decorators/optional-jwt.decorator.js';
export { JwtObject } from './decorators/jwt-object.decorator.js';
export { Fresh } from './decorators/fresh.decorator.js';
export { RequireScopes } from './decorators/require-scopes.decorator.js';
export { CurrentClaims } from './decorators/current-claims.decorator.js';
export { CurrentPrincipal } from './decorators/current-principal.decorator.js';
export { attachUpgradeRequest } from './internal/ws-handshake.js';

// Services
export {
  JwtTokenService,
  type IssueTokensInput,
  type VerifyTokenOptions,
} from './services/jwt-token.service.js';
export {
  JwtTokenRegistry,
  type TokenRegistryQuery,
} from './services/jwt-token-registry.service.js';
export { JwtAuthService, type LoginInput, type SessionInfo } from './services/jwt-auth.service.js';
export { JwtAuthenticator, type RouteRequirements } from './services/jwt-authenticator.service.js';
export { JwtSecurityEvents } from './services/jwt-security-events.service.js';
export { JwtCookies } from './services/jwt-cookies.service.js';
export { LoginThrottler, type LoginThrottleOptions } from './services/login-throttler.service.js';
export { LoginDto } from './controllers/login.dto.js';
export type { TokenResponse } from './controllers/jwt-auth.controller.js';
export type { JwtAuthContext } from './internal/auth-context.js';
export { BodyParseErrorFilter } from './filters/body-parse-error.filter.js';

// Stores
export {
  DEFAULT_TOKEN_QUERY_LIMIT,
  TokenStore,
  type NewSessionRecord,
  type NewTokenRecord,
  type RevocationBatch,
  type RevocationEntry,
  type RotateOutcome,
  type RotateRefreshInput,
  type SessionRecord,
  type TokenQuery,
  type TokenRecord,
  type TokenState,
} from './stores/token-store.js';
export { MemoryTokenStore, type MemoryTokenStoreOptions } from './stores/memory-token.store.js';
export {
  MemoryThrottlerStorage,
  type ResettableThrottlerStorage,
  type ThrottlerStorageRecord,
} from './stores/memory-throttler.storage.js';
export { RedisTokenStore, type RedisTokenStoreOptions } from './stores/redis-token.store.js';
export {
  PostgresTokenStore,
  type PostgresTokenStoreOptions,
} from './stores/postgres-token.store.js';
export { postgresTokenStoreSchema } from './stores/postgres-token.schema.js';

// Errors
export {
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
  type JwtSecurityErrorBody,
  type JwtSecurityErrorCode,
} from './errors/jwt-security.errors.js';

// OpenAPI
export {
  ClaimsDto,
  ErrorBodyDto,
  JwkDto,
  JwksDto,
  SessionDto,
  SuccessDto,
  TokenResponseDto,
} from './controllers/openapi.dto.js';

// Health
export {
  JwtSecurityHealthIndicator,
  type JwtSecurityAuthorityHealth,
  type JwtSecurityHealth,
  type JwtSecurityHealthResult,
  type JwtSecurityPartHealth,
  type JwtSecurityStoreHealth,
} from './health/jwt-security.health.js';
