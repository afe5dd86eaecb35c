import type { KeyObject } from 'node:crypto';
import type { Type } from '@nestjs/common';
import type { LoginThrottleOptions } from '../services/login-throttler.service.js';
import type { TokenStore } from '../stores/token-store.js';
import type { CredentialsValidator } from './credentials-validator.interface.js';
import type { JwtSecurityEventListener } from './jwt-security-event.interface.js';
import type { ClaimsLoader, PrincipalLoader } from './principal-loader.interface.js';

/** `local`: this app signs tokens; `proxy`: a remote authority does; `disabled`: 503. @publicApi */
export type JwtSecurityMode = 'local' | 'proxy' | 'disabled';

/** Algorithms the module signs and verifies with. `none` is not one of them. @publicApi */
export type JwtAlgorithm =
  | 'HS256'
  | 'HS384'
  | 'HS512'
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA';

/** A PEM text (PKCS#1, PKCS#8, SPKI or SEC1), its bytes, or an imported key. @publicApi */
export type KeyInput = string | Buffer | KeyObject;

/** An older key still accepted for verification (key rotation). @publicApi */
export interface VerificationKey {
  /** Key id that tokens signed with this key carry in their `kid` header. */
  kid: string;
  /** Algorithm of the key. Default: the module's `algorithm`. */
  algorithm?: JwtAlgorithm;
  /** Public key (PEM) for asymmetric algorithms, shared secret for HS*. */
  key: KeyInput;
}

/** A class the module instantiates through Nest's injector, or a ready instance. @publicApi */
export type Provided<T> = Type<T> | T;

/**
 * Client-requested claims accepted at login, by name, with their allowed values (like api_jwt's
 * `allowed`). A claim absent from this map, or with a value not listed, is refused with
 * `invalid_request`.
 *
 * @example `{ lang: ['en', 'fr'], tenant: ['a', 'b'] }`
 * @publicApi
 */
export type AllowedClaims = Record<string, ReadonlyArray<string | number | boolean>>;

/** Where tokens are read from, in order. @publicApi */
export type TokenLocation = 'header' | 'cookie';

/**
 * Cookie mode (Flask-JWT-Extended's model): names and attributes of the token cookies
 * (`HttpOnly`) and of the CSRF cookies (readable by the page), and the CSRF header.
 *
 * @publicApi
 */
export interface CookieOptions {
  /** Default `'access_token'`. */
  accessName?: string;
  /** Default `'refresh_token'`. */
  refreshName?: string;
  /** Readable cookie with the access token's CSRF value. Default `'csrf_access_token'`. */
  csrfAccessName?: string;
  /** Readable cookie with the refresh token's CSRF value. Default `'csrf_refresh_token'`. */
  csrfRefreshName?: string;
  /** Header that must echo the CSRF value on unsafe methods. Default `'X-CSRF-Token'`. */
  csrfHeader?: string;
  /** Double-submit CSRF protection for tokens read from cookies. Default `true`. */
  csrf?: boolean;
  /** `Secure` attribute. Default `true` (browsers accept it on http://localhost too). */
  secure?: boolean;
  /** `SameSite` attribute. Default `'lax'`; `'none'` needs `secure`. */
  sameSite?: 'strict' | 'lax' | 'none';
  /** `Domain` attribute. Default: none (host-only cookies). */
  domain?: string;
  /** Path of the access cookies. Default `'/'`. */
  path?: string;
  /**
   * Path of the refresh token cookie: the refresh route only. Default
   * `"/" + routePrefix + "/refresh"` (`'/'` when `routePrefix` is `false`). The `PATCH /token`
   * alias then needs the refresh token in the header, unless this is set to `"/" + routePrefix`.
   * @example '/api/auth/jwt'
   */
  refreshPath?: string;
}

/**
 * Options of `JwtSecurityModule.forRoot()`, checked at start-up (SPEC §3).
 *
 * @publicApi
 */
export interface JwtSecurityModuleOptions {
  /** `local` (default), `proxy` or `disabled`. */
  mode?: JwtSecurityMode;
  /** Signing algorithm. Default `'RS256'`. @example 'ES256' */
  algorithm?: JwtAlgorithm;
  /** Shared secret for HS*; shorter than the hash output logs a warning. */
  secret?: string | Buffer | KeyObject;
  /** Private key (PEM) for asymmetric algorithms in local mode. */
  privateKey?: KeyInput;
  /** Public key (PEM) matching `privateKey`. */
  publicKey?: KeyInput;
  /** `kid` of the signing key. Default: its RFC 7638 thumbprint (HS*: of the secret's JWK). */
  keyId?: string;
  /** Older keys still accepted (rotation), each with its `kid`. Default `[]`. */
  verificationKeys?: VerificationKey[];
  /** Access token lifetime in seconds. Default `900`. */
  accessExpiration?: number;
  /** Refresh token lifetime in seconds, greater than `accessExpiration`. Default `604800`. */
  refreshExpiration?: number;
  /** Audience set on issue, required and checked on verify when set. @example 'my-api' */
  audience?: string;
  /** Issuer set on issue, required and checked on verify when set. @example 'https://auth.example.com' */
  issuer?: string;
  /** Seconds of clock skew tolerated on `exp` and `nbf`. Default `0`. */
  leeway?: number;
  /** Scheme expected in `Authorization`, case-insensitive. Default `'Bearer'`. @example 'JWT' */
  authType?: string;
  /** Header carrying the token. Default `'Authorization'`; any other carries the bare token. */
  httpHeader?: string;
  /**
   * Where tokens are read, in order: `['header']` (default), `['cookie']` or both. With
   * `cookie`, login and refresh also set the tokens as cookies, and logout clears them.
   */
  tokenLocation?: TokenLocation[];
  /** Cookie mode settings. */
  cookies?: CookieOptions;
  /** Response field of the access token. Default `'accessToken'`. */
  accessTokenName?: string;
  /** Response field of the refresh token. Default `'refreshToken'`. */
  refreshTokenName?: string;
  /**
   * Where the auth controller is mounted, `false` for none. Default `'api/auth/jwt'`.
   * With `forRootAsync()`, pass it beside `useFactory`, not from the factory: routes are
   * decided before the factory runs.
   */
  routePrefix?: string | false;
  /** Base URL of the remote authority; required in proxy mode. @example 'https://auth.example.com' */
  authority?: string;
  /** The authority's `routePrefix` (proxy mode). Default `'api/auth/jwt'`. */
  authorityPrefix?: string;
  /** Milliseconds a call to the authority may take before answering 503. Default `3000`. */
  authorityTimeout?: number;
  /** Seconds a claims answer of the authority is reused for the same token (no JWKS). Default `5`. */
  claimsCacheTtl?: number;
  /** Least seconds between two JWKS fetches caused by an unknown `kid`. Default `10`. */
  jwksRefetchInterval?: number;
  /** Seconds after which the authority's JWKS is fetched again in the background. Default `300`. */
  jwksMaxAge?: number;
  /** Checks login and password; required for login in local mode. */
  credentials?: Provided<CredentialsValidator>;
  /** Loads the principal once per authenticated request, for `@CurrentPrincipal()`. */
  principalLoader?: Provided<PrincipalLoader>;
  /** Adds custom claims to every issued token pair. */
  claimsLoader?: Provided<ClaimsLoader>;
  /**
   * Login attempts allowed per login name and per IP before 429 `too_many_attempts`, or `false`
   * to turn throttling off. Default `{ limit: 10, ipLimit: 100, ttl: 60, blockDuration: 60 }`.
   */
  loginThrottle?: LoginThrottleOptions | false;
  /** Receives the audit events (also emitted through @nestjs/event-emitter when present). */
  eventListener?: Provided<JwtSecurityEventListener>;
  /** Client-requested claims accepted at login. Default `{}`: none. */
  allowedClaims?: AllowedClaims;
  /** Where tokens, sessions and revocations live. Default: a `MemoryTokenStore`. */
  store?: Provided<TokenStore>;
  /** Which tokens are checked against revocations on use: `'all'` (default) or `'refresh'`. */
  revocation?: 'all' | 'refresh';
  /** Issue a new refresh token on refresh and retire the old one. Default `true`. */
  rotateRefreshTokens?: boolean;
  /**
   * Seconds after a rotation during which the old refresh token, presented again, is refused
   * without ending the session (two tabs refreshing at once). Later, it counts as theft and
   * revokes the session. Default `0`: every second use is theft. Browser apps whose tabs may
   * refresh at once can allow a few seconds (e.g. `10`).
   */
  refreshReuseGrace?: number;
  /** Largest token accepted, in bytes. Default `8192`. */
  maxTokenSize?: number;
  /** How many verified tokens are remembered to skip repeated signature checks. Default `10000`; `0` disables. */
  verifyCacheSize?: number;
  /** Milliseconds between two polls of the store's revocations by this instance. Default `500`. */
  revocationSyncInterval?: number;
  /** Milliseconds a store operation may take before the request fails with 503. Default `2000`. */
  storeTimeout?: number;
}
