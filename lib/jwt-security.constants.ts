/** Name under which the passport-jwt strategy is registered: `AuthGuard('jwt-security')`. */
export const JWT_SECURITY_STRATEGY = 'jwt-security';

/** Injection token of the validated, frozen options (the only options anything injects). */
export const JWT_SECURITY_OPTIONS = 'JWT_SECURITY_OPTIONS';
/** Injection token of the key ring (imported signing and verification keys). */
export const JWT_SECURITY_KEYS = 'JWT_SECURITY_KEYS';
/** Injection token of the route prefix the auth controller is mounted under (`false`: none). */
export const JWT_SECURITY_ROUTE_PREFIX = 'JWT_SECURITY_ROUTE_PREFIX';

/** Metadata keys read through `Reflector`. */
export const PUBLIC_METADATA = 'jwt-security:public';
export const OPTIONAL_JWT_METADATA = 'jwt-security:optional';
export const JWT_OBJECT_METADATA = 'jwt-security:object';
export const FRESH_METADATA = 'jwt-security:fresh';
export const REQUIRE_SCOPES_METADATA = 'jwt-security:scopes';

/** Default mount point of the auth controller. */
export const DEFAULT_ROUTE_PREFIX = 'api/auth/jwt';

/** Claims the module sets itself; custom claims can never override them. */
export const RESERVED_CLAIMS: ReadonlySet<string> = new Set([
  'sub',
  'iat',
  'exp',
  'nbf',
  'jti',
  'obj',
  'sid',
  'aud',
  'iss',
  'fresh',
  'csrf',
]);
