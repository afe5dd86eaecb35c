import { KeyObject } from 'node:crypto';
import {
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import { RESERVED_CLAIMS } from '../jwt-security.constants.js';
import type {
  AllowedClaims,
  CookieOptions,
  TokenLocation,
  JwtAlgorithm,
  JwtSecurityMode,
  KeyInput,
  Provided,
} from '../interfaces/jwt-security-options.interface.js';
import type { CredentialsValidator } from '../interfaces/credentials-validator.interface.js';
import type { ClaimsLoader, PrincipalLoader } from '../interfaces/principal-loader.interface.js';
import type { JwtSecurityEventListener } from '../interfaces/jwt-security-event.interface.js';
import type { LoginThrottleOptions } from '../services/login-throttler.service.js';
import { ALGORITHMS, isHmac } from '../internal/algorithms.js';
import type { CookieSettings } from '../internal/cookies.js';
import { TokenStore } from '../stores/token-store.js';

const local = (o: JwtSecurityOptionsDto): boolean => o.mode === 'local';
const asymmetricLocal = (o: JwtSecurityOptionsDto): boolean =>
  o.mode === 'local' && ALGORITHMS.includes(o.algorithm) && !isHmac(o.algorithm);
/** RFC 7230 token characters: what a header name, an auth scheme or a cookie name may contain. */
const HTTP_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** A route prefix, ours (`routePrefix`) or the authority's (`authorityPrefix`). */
export const ROUTE_PATH = /^[A-Za-z0-9\-._~/:]*$/;

function IsKeyInput(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isKeyInput',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' || Buffer.isBuffer(value) || value instanceof KeyObject,
        defaultMessage: () => 'must be a PEM string, a Buffer or a KeyObject',
      },
    },
    options,
  );
}

/** A class (instantiated through Nest's injector) or an instance having `method`. */
function IsProvided(method: string, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isProvided',
      validator: {
        validate: (value: unknown) =>
          (typeof value === 'function' && typeof value.prototype?.[method] === 'function') ||
          (typeof value === 'object' &&
            value !== null &&
            typeof (value as Record<string, unknown>)[method] === 'function'),
        defaultMessage: () => `must be a class or an object with a ${method}() method`,
      },
    },
    options,
  );
}

function IsLoginThrottle(options?: ValidationOptions): PropertyDecorator {
  const positive = (v: unknown) => v === undefined || (Number.isInteger(v) && (v as number) > 0);
  return ValidateBy(
    {
      name: 'isLoginThrottle',
      validator: {
        validate: (value: unknown) => {
          if (value === false) return true;
          if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
          const v = value as Record<string, unknown>;
          const known = ['limit', 'ipLimit', 'ttl', 'blockDuration', 'storage'];
          return (
            Object.keys(v).every((key) => known.includes(key)) &&
            ['limit', 'ipLimit', 'ttl', 'blockDuration'].every((key) => positive(v[key])) &&
            (v.storage === undefined ||
              (typeof (v.storage as Record<string, unknown>).increment === 'function' &&
                typeof (v.storage as Record<string, unknown>).reset === 'function'))
          );
        },
        defaultMessage: () =>
          'must be false or { limit?, ipLimit?, ttl?, blockDuration? } (positive integers) and an optional storage with increment() and reset()',
      },
    },
    options,
  );
}

const COOKIE_NAMES = ['accessName', 'refreshName', 'csrfAccessName', 'csrfRefreshName'];

/** Why a `cookies` option is wrong, or undefined. */
function cookieProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'must be an object';
  const v = value as Record<string, unknown>;
  const known = [
    ...COOKIE_NAMES,
    'csrfHeader',
    'csrf',
    'secure',
    'sameSite',
    'domain',
    'path',
    'refreshPath',
  ];
  const unknown = Object.keys(v).find((key) => !known.includes(key));
  if (unknown) return `${unknown} is not a cookie setting`;
  for (const key of [...COOKIE_NAMES, 'csrfHeader']) {
    if (
      v[key] !== undefined &&
      (typeof v[key] !== 'string' || !HTTP_TOKEN.test(v[key] as string))
    ) {
      return `${key} must be a cookie or header name`;
    }
  }
  for (const key of ['csrf', 'secure']) {
    if (v[key] !== undefined && typeof v[key] !== 'boolean') return `${key} must be a boolean`;
  }
  if (v.sameSite !== undefined && !['strict', 'lax', 'none'].includes(v.sameSite as string)) {
    return "sameSite must be 'strict', 'lax' or 'none'";
  }
  if (v.sameSite === 'none' && v.secure === false) return "sameSite 'none' needs secure";
  for (const key of ['path', 'refreshPath']) {
    if (
      v[key] !== undefined &&
      (typeof v[key] !== 'string' || !/^\/[\w\-./~]*$/.test(v[key] as string))
    ) {
      return `${key} must be a path starting with /`;
    }
  }
  if (v.domain !== undefined && (typeof v.domain !== 'string' || !/^[\w.-]+$/.test(v.domain))) {
    return 'domain must be a host name';
  }
  return undefined;
}

/**
 * Options the user gave, per DTO being validated: the DTO's fields hold their defaults before
 * validation, so its values alone cannot tell a default from an option given (`LocalOnly`).
 */
const explicitOptions = new WeakMap<object, ReadonlySet<string>>();

/** Records which options were given; `validateOptions` does, before validating `dto`. */
export function markExplicitOptions(dto: JwtSecurityOptionsDto, names: Iterable<string>): void {
  explicitOptions.set(dto, new Set(names));
}

/**
 * Reports an option that only local mode uses when it is set in proxy mode. Only options the
 * user gave are reported, never a default.
 */
function LocalOnly(why: string): PropertyDecorator {
  return ValidateBy({
    name: 'localOnly',
    validator: {
      validate: (_value: unknown, args) =>
        (args?.object as JwtSecurityOptionsDto).mode !== 'proxy' ||
        explicitOptions.get(args!.object)?.has(args!.property) !== true,
      defaultMessage: () => `is only used in local mode (${why})`,
    },
  });
}

/** Why an `authority` URL is refused beyond its scheme (user info, query, fragment), or undefined. */
function authorityProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined; // the URL rule reports it
  }
  if (url.username !== '' || url.password !== '' || /^[^/]*\/\/[^/?#]*@/.test(value)) {
    return "must not carry credentials (user:password@host): the proxy presents the caller's token only";
  }
  if (url.search !== '' || value.includes('?')) return 'must not have a ?query: give a base URL';
  if (url.hash !== '' || value.includes('#')) return 'must not have a #fragment: give a base URL';
  return undefined;
}

function IsTokenStore(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTokenStore',
      validator: {
        validate: (value: unknown) =>
          value instanceof TokenStore ||
          (typeof value === 'function' && value.prototype instanceof TokenStore),
        defaultMessage: () => 'must be a TokenStore instance or a class extending TokenStore',
      },
    },
    options,
  );
}

function IsAllowedClaims(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isAllowedClaims',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Object.entries(value).every(
            ([name, allowed]) =>
              !RESERVED_CLAIMS.has(name) &&
              Array.isArray(allowed) &&
              allowed.every((v) => ['string', 'number', 'boolean'].includes(typeof v)),
          ),
        defaultMessage: () =>
          'must map claim names (not reserved ones) to arrays of allowed string, number or boolean values',
      },
    },
    options,
  );
}

/** One entry of `verificationKeys`. */
export class VerificationKeyDto {
  @IsString({ message: 'must be a non-empty string' })
  @MinLength(1, { message: 'must be a non-empty string' })
  @MaxLength(256)
  kid!: string;

  @IsOptional()
  @IsIn(ALGORITHMS, { message: `must be one of ${ALGORITHMS.join(', ')}` })
  algorithm?: JwtAlgorithm;

  @IsDefined({ message: 'is required' })
  @IsKeyInput()
  key!: KeyInput;
}

/**
 * The options as class-validator checks them, with their defaults (SPEC §3). Cross-option rules
 * are expressed with `ValidateIf`, so each broken rule yields one message naming its option.
 */
export class JwtSecurityOptionsDto {
  @IsIn(['local', 'proxy', 'disabled'], { message: "must be 'local', 'proxy' or 'disabled'" })
  mode: JwtSecurityMode = 'local';

  @IsIn(ALGORITHMS, {
    message: `must be one of ${ALGORITHMS.join(', ')} ('none' is never accepted)`,
  })
  algorithm: JwtAlgorithm = 'RS256';

  @ValidateIf(
    (o: JwtSecurityOptionsDto) => o.secret !== undefined || (local(o) && isHmac(o.algorithm)),
  )
  @IsDefined({ message: (a) => `is required for ${(a.object as JwtSecurityOptionsDto).algorithm}` })
  @IsKeyInput()
  secret?: string | Buffer | KeyObject;

  @ValidateIf((o: JwtSecurityOptionsDto) => o.privateKey !== undefined || asymmetricLocal(o))
  @IsDefined({
    message: (a) =>
      `is required for ${(a.object as JwtSecurityOptionsDto).algorithm} in local mode: give the private key (PEM) with its public key`,
  })
  @IsKeyInput()
  @LocalOnly('in proxy mode the authority signs')
  privateKey?: KeyInput;

  @ValidateIf((o: JwtSecurityOptionsDto) => o.publicKey !== undefined || asymmetricLocal(o))
  @IsDefined({
    message: (a) =>
      `is required for ${(a.object as JwtSecurityOptionsDto).algorithm} in local mode: give the public key (PEM) matching the private key`,
  })
  @IsKeyInput()
  publicKey?: KeyInput;

  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  keyId?: string;

  @IsArray({ message: 'must be an array of { kid, key, algorithm? }' })
  @ValidateNested()
  verificationKeys: VerificationKeyDto[] = [];

  @IsInt({ message: 'must be a positive integer (seconds)' })
  @Min(1, { message: 'must be a positive integer (seconds)' })
  accessExpiration = 900;

  @IsInt({ message: 'must be a positive integer (seconds)' })
  @Min(1, { message: 'must be a positive integer (seconds)' })
  @ValidateBy({
    name: 'greaterThanAccess',
    validator: {
      validate: (value: unknown, args) => {
        const access = (args?.object as JwtSecurityOptionsDto).accessExpiration;
        // Only comparable when both are valid; otherwise their own rules report them.
        return (
          typeof value !== 'number' || !Number.isInteger(access) || access < 1 || value > access
        );
      },
      defaultMessage: () => 'must be greater than accessExpiration',
    },
  })
  refreshExpiration = 604800;

  @IsOptional()
  @IsString()
  @MinLength(1)
  audience?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  issuer?: string;

  @IsInt({ message: 'must be an integer number of seconds between 0 and 300' })
  @Min(0, { message: 'must be an integer number of seconds between 0 and 300' })
  @Max(300, { message: 'must be an integer number of seconds between 0 and 300' })
  leeway = 0;

  @IsString()
  @Matches(HTTP_TOKEN, { message: 'must be an HTTP auth scheme such as Bearer or JWT' })
  authType = 'Bearer';

  @IsString()
  @Matches(HTTP_TOKEN, { message: 'must be an HTTP header name' })
  httpHeader = 'Authorization';

  @ValidateBy({
    name: 'isTokenLocation',
    validator: {
      validate: (value: unknown) =>
        Array.isArray(value) &&
        value.length > 0 &&
        value.length <= 2 &&
        new Set(value).size === value.length &&
        value.every((v) => v === 'header' || v === 'cookie'),
      defaultMessage: () => "must be ['header'], ['cookie'], or both in the order to try them",
    },
  })
  @ValidateBy({
    name: 'cookieLocalOnly',
    validator: {
      validate: (value: unknown, args) =>
        (args?.object as JwtSecurityOptionsDto).mode !== 'proxy' ||
        !Array.isArray(value) ||
        !value.includes('cookie'),
      defaultMessage: () =>
        "'cookie' is only used in local mode (a proxy sets no cookies and forwards no CSRF check): use ['header']",
    },
  })
  tokenLocation: TokenLocation[] = ['header'];

  @ValidateBy({
    name: 'isCookieOptions',
    validator: {
      validate: (value: unknown) => cookieProblem(value) === undefined,
      defaultMessage: (args) => cookieProblem(args?.value) ?? '',
    },
  })
  @LocalOnly('a proxy reads tokens from the header only and sets no cookies')
  cookies: CookieOptions = {};

  @IsString()
  @Matches(/^[A-Za-z_$][\w$-]*$/, { message: 'must be a field name' })
  accessTokenName = 'accessToken';

  @IsString()
  @Matches(/^[A-Za-z_$][\w$-]*$/, { message: 'must be a field name' })
  @ValidateBy({
    name: 'differentFromAccess',
    validator: {
      validate: (value: unknown, args) =>
        value !== (args?.object as JwtSecurityOptionsDto).accessTokenName,
      defaultMessage: () => 'must differ from accessTokenName',
    },
  })
  refreshTokenName = 'refreshToken';

  @ValidateIf((o: JwtSecurityOptionsDto) => o.authority !== undefined || o.mode === 'proxy')
  @IsDefined({ message: 'is required in proxy mode: the base URL of the remote authority' })
  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_tld: false },
    { message: 'must be an http(s) URL' },
  )
  @ValidateBy({
    name: 'authorityParts',
    validator: {
      validate: (value: unknown) => authorityProblem(value) === undefined,
      defaultMessage: (args) => authorityProblem(args?.value) ?? '',
    },
  })
  @ValidateBy({
    name: 'proxyOnly',
    validator: {
      validate: (_value: unknown, args) => (args?.object as JwtSecurityOptionsDto).mode === 'proxy',
      defaultMessage: () =>
        "is only used in proxy mode; local and proxy cannot both be on (set mode: 'proxy' or remove authority)",
    },
  })
  authority?: string;

  @IsString()
  @Matches(ROUTE_PATH, { message: 'must be a URL path such as api/auth/jwt' })
  authorityPrefix = 'api/auth/jwt';

  @IsInt({ message: 'must be a positive integer (milliseconds)' })
  @Min(100)
  @Max(120_000)
  authorityTimeout = 3000;

  @IsInt({ message: 'must be an integer number of seconds' })
  @Min(0)
  @Max(3600)
  claimsCacheTtl = 5;

  @IsInt({ message: 'must be an integer number of seconds' })
  @Min(1)
  @Max(86_400)
  jwksRefetchInterval = 10;

  @IsInt({ message: 'must be an integer number of seconds' })
  @Min(10)
  @Max(604_800)
  jwksMaxAge = 300;

  @ValidateIf((o: JwtSecurityOptionsDto) => o.credentials !== undefined)
  @IsProvided('validate')
  @LocalOnly('in proxy mode the authority checks credentials')
  credentials?: Provided<CredentialsValidator>;

  @IsOptional()
  @IsProvided('load')
  principalLoader?: Provided<PrincipalLoader>;

  @IsOptional()
  @IsProvided('loadClaims')
  @LocalOnly('in proxy mode the authority issues the claims')
  claimsLoader?: Provided<ClaimsLoader>;

  @IsOptional()
  @IsProvided('onJwtSecurityEvent')
  eventListener?: Provided<JwtSecurityEventListener>;

  @IsAllowedClaims()
  @LocalOnly('in proxy mode the authority decides which requested claims it accepts')
  allowedClaims: AllowedClaims = {};

  @IsOptional()
  @IsTokenStore()
  store?: Provided<TokenStore>;

  @IsLoginThrottle()
  @LocalOnly('in proxy mode logins are forwarded and the authority throttles them')
  loginThrottle: LoginThrottleOptions | false = {};

  @IsIn(['all', 'refresh'], { message: "must be 'all' or 'refresh'" })
  revocation: 'all' | 'refresh' = 'all';

  @IsBoolean()
  @LocalOnly('in proxy mode the authority rotates refresh tokens')
  rotateRefreshTokens = true;

  @IsInt({ message: 'must be an integer number of seconds between 0 and 300' })
  @Min(0, { message: 'must be an integer number of seconds between 0 and 300' })
  @Max(300, { message: 'must be an integer number of seconds between 0 and 300' })
  @LocalOnly('in proxy mode the authority detects refresh token reuse')
  refreshReuseGrace = 0;

  @IsInt()
  @Min(512)
  @Max(1_048_576)
  maxTokenSize = 8192;

  @IsInt()
  @Min(0)
  @Max(10_000_000)
  verifyCacheSize = 10_000;

  @IsInt()
  @Min(50)
  @Max(60_000)
  revocationSyncInterval = 500;

  @IsInt()
  @Min(10)
  @Max(60_000)
  storeTimeout = 2000;
}

/** Validated options with every default applied. Frozen. @publicApi */
export type JwtSecurityOptions = Readonly<
  Omit<JwtSecurityOptionsDto, 'verificationKeys'> & {
    verificationKeys: ReadonlyArray<Readonly<VerificationKeyDto>>;
    /** Where the auth controller is mounted (`false`: not mounted). */
    routePrefix: string | false;
    /** Cookie mode settings with every default applied. */
    cookieSettings: CookieSettings;
  }
>;
