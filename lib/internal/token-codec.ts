import { createVerifier, TokenError } from 'fast-jwt';
import {
  JwtSecurityError,
  TokenExpiredError,
  TokenInvalidError,
  TokenMalformedError,
} from '../errors/jwt-security.errors.js';
import type { JwtClaims, JwtHeader, VerifiedToken } from '../interfaces/jwt-claims.interface.js';
import { isHmac } from './algorithms.js';
import { createJwsSigner } from './jws-signer.js';
import type { KeyRing, RingKey } from './key-ring.js';

export interface TokenCodecOptions {
  audience?: string;
  issuer?: string;
  /** Seconds of clock skew tolerated on `exp` and `nbf`. */
  leeway: number;
  maxTokenSize: number;
  /** Verified tokens remembered; `0` disables the cache. */
  cacheSize: number;
  /** Require `jti` and `sid` (tokens of this module). Default `true`. */
  requireSessionClaims?: boolean;
}

type Verify = (token: string) => { header: JwtHeader; payload: Record<string, unknown> };

interface CacheEntry {
  verified: VerifiedToken;
  /** Milliseconds: valid from `notBefore` to `notAfter`, leeway included. */
  notBefore: number;
  notAfter: number;
}

/** Three base64url segments, the signature possibly empty (compact JWS serialisation). */
export const JWS_COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const TYP = /^(application\/)?jwt$/i;

/**
 * Signs and verifies compact JWS tokens with pre-imported keys, through fast-jwt. Verification
 * follows SPEC §5: the key is chosen by our own `kid` table (never by the token's `jku`, `x5u`,
 * `jwk` or `x5c`), only that key's algorithm is accepted, `exp` is required, `nbf`/`exp` get the
 * leeway, `exp`/`nbf`/`iat` are bounded NumericDates and `iat` is not in the future (beyond the
 * leeway), `aud`/`iss` are checked when configured and an unknown `crit` fails. Tokens that passed
 * are remembered by their exact string, bounded, and every hit re-checks `nbf`/`exp`.
 */
export class TokenCodec {
  private readonly verifiers = new Map<RingKey, Verify>();
  private readonly sign?: (claims: object) => string;
  /** Verified tokens by `cacheKey()`, oldest first. */
  private readonly cache = new Map<string, CacheEntry>();
  /**
   * Admission filter of the cache: fingerprints of tokens verified once. A token enters the
   * cache on its second verification, so one-off tokens never churn it (nor the GC). Fixed
   * size, allocated once; a collision only admits a verified token one verification early.
   */
  private readonly seen: Uint32Array;
  private readonly seenMask: number;
  private readonly leewayMs: number;

  constructor(
    private readonly keys: KeyRing,
    private readonly options: TokenCodecOptions,
  ) {
    this.leewayMs = options.leeway * 1000;
    const slots = options.cacheSize > 0 ? admissionSlots(options.cacheSize) : 0;
    this.seen = new Uint32Array(slots);
    this.seenMask = slots - 1;
    if (keys.signing) {
      const { alg, key, kid } = keys.signing;
      this.sign = createJwsSigner(alg, key, kid);
    }
    for (const ringKey of keys.byKid.values()) {
      this.verifiers.set(
        ringKey,
        createVerifier({
          algorithms: [ringKey.alg],
          key: isHmac(ringKey.alg)
            ? ringKey.key.export()
            : (ringKey.key.export({ format: 'pem', type: 'spki' }) as string),
          complete: true,
          cache: false,
          clockTolerance: this.leewayMs,
          // fast-jwt skips the aud/iss check when the claim is absent: require them when set.
          requiredClaims: [
            'exp',
            ...(options.audience !== undefined ? ['aud'] : []),
            ...(options.issuer !== undefined ? ['iss'] : []),
          ],
          ...(options.audience !== undefined && { allowedAud: options.audience }),
          ...(options.issuer !== undefined && { allowedIss: options.issuer }),
        }) as unknown as Verify,
      );
    }
  }

  encode(claims: object): string {
    if (!this.sign) throw new Error('No signing key: tokens are only issued in local mode');
    return this.sign(claims);
  }

  /** Verifies `token` or throws the matching `JwtSecurityError`. */
  verify(token: string, now = Date.now()): VerifiedToken {
    const key = cacheKey(token);
    const cached = this.cache.get(key);
    // The entry answers for the very same string only (the key is the string's tail).
    if (cached !== undefined && cached.verified.token === token) {
      if (now >= cached.notBefore && now <= cached.notAfter) return cached.verified;
      this.cache.delete(key);
      if (now > cached.notAfter) throw new TokenExpiredError();
      throw new TokenInvalidError();
    }
    const verified = this.verifyUncached(token, now);
    if (this.options.cacheSize > 0 && this.admit(token)) this.remember(key, verified);
    return verified;
  }

  private verifyUncached(token: string, now: number): VerifiedToken {
    if (token.length > this.options.maxTokenSize || !JWS_COMPACT.test(token)) {
      throw new TokenMalformedError();
    }
    // No signature, or one of several spellings (unused trailing bits set): refused before any
    // crypto, as malformed when the header or claims are not even readable JSON objects.
    if (token.endsWith('.') || !isCanonicalSignature(token)) {
      throw isReadable(token) ? new TokenInvalidError() : new TokenMalformedError();
    }
    // With one key there is nothing to choose: fast-jwt decodes the header once, and the key's
    // fit with the header's kid and alg is checked right after.
    const only = this.keys.byKid.size === 1 ? this.keys.byKid.values().next().value : undefined;
    let ringKey: RingKey | undefined = only;
    if (!ringKey) {
      const header = decodeSegment(token.slice(0, token.indexOf('.')));
      if (header === undefined) throw new TokenMalformedError();
      ringKey = this.keyFor(header);
      if (ringKey === undefined) throw new TokenInvalidError();
    }
    let decoded: { header: JwtHeader; payload: Record<string, unknown> };
    try {
      decoded = this.verifiers.get(ringKey)!(token);
    } catch (error) {
      throw mapTokenError(error);
    }
    const { header, payload: claims } = decoded;
    if (
      this.keyFor(header) !== ringKey ||
      header.alg !== ringKey.alg ||
      'b64' in header ||
      (header.typ !== undefined && (typeof header.typ !== 'string' || !TYP.test(header.typ)))
    ) {
      throw new TokenInvalidError();
    }
    const latestIat = now / 1000 + this.options.leeway;
    if (!hasClaimShapes(claims, this.options.requireSessionClaims ?? true, latestIat)) {
      throw new TokenInvalidError();
    }
    return deepFreeze({ token, header, claims });
  }

  /** Whether this codec has a key for the token's `kid` (false for unreadable tokens). */
  knowsKeyOf(token: string): boolean {
    const dot = token.indexOf('.');
    const header = dot > 0 ? decodeSegment(token.slice(0, dot)) : undefined;
    return header !== undefined && this.keyFor(header) !== undefined;
  }

  private keyFor(header: JwtHeader): RingKey | undefined {
    if (header.kid === undefined) return this.keys.current;
    return typeof header.kid === 'string' ? this.keys.byKid.get(header.kid) : undefined;
  }

  /** `true` when `token` was verified before (its fingerprint is in the filter). */
  private admit(token: string): boolean {
    const print = fingerprint(token);
    const slot = print & this.seenMask;
    if (this.seen[slot] === print) return true;
    this.seen[slot] = print;
    return false;
  }

  private remember(key: string, verified: VerifiedToken): void {
    // Another verified token with the same tail gives up its place; else the oldest one does.
    if (!this.cache.delete(key) && this.cache.size >= this.options.cacheSize) {
      // Evict the oldest insertion; Map keeps insertion order.
      this.cache.delete(this.cache.keys().next().value!);
    }
    const { nbf, exp } = verified.claims;
    this.cache.set(key, {
      verified,
      notBefore: typeof nbf === 'number' ? nbf * 1000 - this.leewayMs : 0,
      notAfter: exp * 1000 + this.leewayMs,
    });
  }
}

/**
 * Whether the signature (the last segment, already checked to be base64url characters) has one
 * spelling only: RFC 4648 §3.5, the unused low bits of its last character are zero, and its
 * length is not 1 more than a multiple of 4. Reads one character, allocates nothing.
 */
export function isCanonicalSignature(token: string): boolean {
  const length = token.length - token.lastIndexOf('.') - 1;
  const rest = length % 4;
  if (rest === 0) return true;
  if (rest === 1) return false;
  const value = base64urlValue(token.charCodeAt(token.length - 1));
  return (value & (rest === 2 ? 0x0f : 0x03)) === 0;
}

/** The 6-bit value of a base64url character (A-Z a-z 0-9 - _). */
function base64urlValue(code: number): number {
  if (code >= 65 && code <= 90) return code - 65; // A-Z
  if (code >= 97 && code <= 122) return code - 71; // a-z: 26..51
  if (code >= 48 && code <= 57) return code + 4; // 0-9: 52..61
  return code === 45 ? 62 : 63; // '-' or '_'
}

/**
 * The cache's key for a token: its last 32 characters (192 bits of its signature), so that a
 * lookup hashes 32 characters, not the whole header value each request brings as a new string.
 * A hit still compares the whole string.
 */
function cacheKey(token: string): string {
  return token.length > 32 ? token.slice(-32) : token;
}

/** Slots of the admission filter: a power of two, twice the cache size, 1 Ki to 1 Mi. */
function admissionSlots(cacheSize: number): number {
  let slots = 1024;
  while (slots < cacheSize * 2 && slots < 1 << 20) slots *= 2;
  return slots;
}

/**
 * A non-zero 32-bit FNV-1a fingerprint of a verified token's last 16 characters (the end of its
 * signature, unpredictable for anybody but the signer) and of its length.
 */
function fingerprint(token: string): number {
  let hash = 0x811c9dc5 ^ token.length;
  for (let i = Math.max(0, token.length - 16); i < token.length; i++) {
    hash = Math.imul(hash ^ token.charCodeAt(i), 0x01000193);
  }
  return hash >>> 0 || 1;
}

/** Whether the header and the claims of a compact JWS decode to JSON objects. */
function isReadable(token: string): boolean {
  const [header, claims] = token.split('.');
  return decodeSegment(header!) !== undefined && decodeSegment(claims!) !== undefined;
}

/** Decodes one base64url JSON segment into an object, or undefined. */
export function decodeSegment(segment: string): JwtHeader | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as JwtHeader)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Largest NumericDate accepted: 9999-12-31T23:59:59Z, in seconds. */
export const MAX_NUMERIC_DATE = 253_402_300_799;

/**
 * Whether `value` is a NumericDate the module accepts (RFC 7519 §2): a finite number of seconds,
 * fractions allowed, from the epoch to the end of year 9999. Bounded so that no lifetime derived
 * from a claim (a store TTL, a cookie's Max-Age) can overflow.
 */
function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && value >= 0 && value <= MAX_NUMERIC_DATE;
}

/**
 * Checks the types of the claims the module relies on, and the bounds of `exp`, `nbf` and `iat`
 * (see `MAX_NUMERIC_DATE`); their times were checked by fast-jwt. With `latestIat` (seconds:
 * now plus the leeway), an `iat` after it is refused too.
 */
export function hasClaimShapes(
  claims: Record<string, unknown>,
  requireSessionClaims: boolean,
  latestIat?: number,
): claims is JwtClaims {
  const session = requireSessionClaims
    ? typeof claims.jti === 'string' && typeof claims.sid === 'string'
    : (claims.jti === undefined || typeof claims.jti === 'string') &&
      (claims.sid === undefined || typeof claims.sid === 'string');
  const { iat } = claims;
  return (
    typeof claims.sub === 'string' &&
    claims.sub.length > 0 &&
    session &&
    (claims.obj === 'access' || claims.obj === 'refresh') &&
    isNumericDate(claims.exp) &&
    (iat === undefined || (isNumericDate(iat) && !(latestIat !== undefined && iat > latestIat))) &&
    (claims.nbf === undefined || isNumericDate(claims.nbf)) &&
    (claims.fresh === undefined || typeof claims.fresh === 'boolean')
  );
}

/** Maps fast-jwt's errors to the module's codes; anything unexpected is an invalid token. */
export function mapTokenError(error: unknown): JwtSecurityError {
  if (error instanceof JwtSecurityError) return error;
  const code = error instanceof TokenError ? error.code : undefined;
  switch (code) {
    case TokenError.codes.expired:
      return new TokenExpiredError({ cause: error });
    case TokenError.codes.malformed:
    case TokenError.codes.invalidPayload:
    case TokenError.codes.invalidType:
      return new TokenMalformedError({ cause: error });
    default:
      return new TokenInvalidError({ cause: error });
  }
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
