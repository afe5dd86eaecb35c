import type { Logger } from '@nestjs/common';
import {
  JwtSecurityError,
  ServiceUnavailableError,
  TokenExpiredError,
  TokenInvalidError,
  TokenMalformedError,
} from '../errors/jwt-security.errors.js';
import type {
  JwtClaims,
  JwtObjectType,
  VerifiedToken,
} from '../interfaces/jwt-claims.interface.js';
import type { JwtAlgorithm } from '../interfaces/jwt-security-options.interface.js';
import type { AuthorityClient } from '../services/authority-client.service.js';
import type { KeyRing } from './key-ring.js';
import { keyRingFromJwks } from './remote-key-ring.js';
import {
  decodeSegment,
  deepFreeze,
  hasClaimShapes,
  JWS_COMPACT,
  TokenCodec,
  type TokenCodecOptions,
} from './token-codec.js';

export interface ProxyVerifierOptions extends TokenCodecOptions {
  algorithms: readonly JwtAlgorithm[];
  /** Milliseconds between two JWKS fetches caused by unknown `kid`s. */
  refetchIntervalMs: number;
  /** Milliseconds after which the JWKS is fetched again in the background. */
  maxAgeMs: number;
  /** Milliseconds a claims answer of the authority is reused for the same token. */
  claimsTtlMs: number;
}

interface RemoteEntry {
  verified: VerifiedToken;
  until: number;
  notAfter: number;
}

/**
 * Verification in proxy mode. When the authority publishes `GET /jwks`, tokens are verified here
 * against those keys (fetched once, refetched on an unknown `kid` at most once per interval), so a
 * request needs no round trip. Otherwise each token is sent once to the authority's claims route
 * and its answer reused for a short TTL; refusals are never cached as success. That answer must
 * also meet this instance's own `audience`, `issuer`, `exp` and `nbf` rules.
 */
export class ProxyVerifier {
  private codec?: TokenCodec;
  private remote = false;
  private fetchedAt = 0;
  /** When the last JWKS fetch failed: no new attempt before the refetch interval is over. */
  private failedAt = 0;
  private inflight?: Promise<void>;
  private readonly answers = new Map<string, RemoteEntry>();
  /** Claims requests in flight, so that concurrent requests with one token ask once. */
  private readonly asking = new Map<string, Promise<VerifiedToken>>();

  constructor(
    private readonly client: AuthorityClient,
    private readonly pinned: KeyRing,
    private readonly options: ProxyVerifierOptions,
    private readonly logger: Logger,
  ) {
    if (pinned.byKid.size > 0) this.codec = this.codecFor(pinned);
  }

  /** Loads the authority's keys; an unreachable authority is retried on the next request. */
  async start(): Promise<void> {
    await this.refresh().catch(() => undefined);
  }

  verify(token: string, expect: JwtObjectType | undefined): VerifiedToken | Promise<VerifiedToken> {
    if (this.remote) return this.askAuthority(token, expect);
    const codec = this.codec;
    if (codec) {
      // Stale keys are fetched again in the background, at most once per interval, failures
      // included: an authority that is down does not get one fetch per guarded request.
      if (this.isStale() && this.mayRefetch() && this.mayRetry()) {
        void this.refresh().catch(() => undefined);
      }
      // The codec is tried first: a known token is a cache hit, and its header is read only
      // when it fails. An unknown kid may then be a rotation; any other refusal stands.
      try {
        return codec.verify(token);
      } catch (error) {
        if (
          !(error instanceof TokenInvalidError) ||
          !this.mayRefetch() ||
          codec.knowsKeyOf(token)
        ) {
          throw error;
        }
      }
    }
    this.assertCompact(token);
    // A fetch failed moments ago: the authority stays unavailable until the interval is over.
    if (!this.mayRetry()) throw new ServiceUnavailableError();
    // Unknown kid (keys rotated on the authority) or keys never loaded: fetch once, then decide.
    return this.refresh().then(() => this.verify(token, expect));
  }

  /** Refuses what is no compact JWS, or is too large, before the authority is asked about it. */
  private assertCompact(token: string): void {
    if (!JWS_COMPACT.test(token) || token.length > this.options.maxTokenSize) {
      throw new TokenMalformedError();
    }
  }

  /** Whether the JWKS may be fetched again now: the last successful fetch is old enough. */
  private mayRefetch(): boolean {
    return Date.now() - this.fetchedAt >= this.options.refetchIntervalMs;
  }

  /** Whether a fetch may be tried again now: the last failed one is old enough. */
  private mayRetry(): boolean {
    return Date.now() - this.failedAt >= this.options.refetchIntervalMs;
  }

  /** Whether the keys were fetched more than `maxAgeMs` ago. */
  private isStale(): boolean {
    return Date.now() - this.fetchedAt > this.options.maxAgeMs;
  }

  /** Fetches the JWKS; concurrent callers share one fetch. Throws 503 when unreachable. */
  private refresh(): Promise<void> {
    this.inflight ??= this.load()
      .catch((error: unknown) => {
        this.failedAt = Date.now();
        throw error instanceof JwtSecurityError
          ? error
          : new ServiceUnavailableError(undefined, { cause: error });
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private async load(): Promise<void> {
    const jwks = await this.client.jwks();
    this.fetchedAt = Date.now();
    if (jwks === undefined) {
      if (this.pinned.byKid.size === 0 && !this.remote) {
        this.logger.log('The authority publishes no JWKS: tokens are checked by its claims route');
        this.remote = true;
      }
      return;
    }
    const { ring, skipped } = keyRingFromJwks(jwks, this.options.algorithms, [
      ...this.pinned.byKid.values(),
    ]);
    if (skipped.length > 0) {
      this.logger.warn(
        `Ignored JWKS keys that do not fit the accepted algorithms: ${skipped.join(', ')}`,
      );
    }
    this.codec = this.codecFor(ring);
  }

  private codecFor(ring: KeyRing): TokenCodec {
    return new TokenCodec(ring, { ...this.options, requireSessionClaims: false });
  }

  private askAuthority(
    token: string,
    expect: JwtObjectType | undefined,
  ): VerifiedToken | Promise<VerifiedToken> {
    this.assertCompact(token);
    const now = Date.now();
    const cached = this.answers.get(token);
    if (cached) {
      if (now <= cached.until && now <= cached.notAfter) return cached.verified;
      this.answers.delete(token);
      if (now > cached.notAfter) throw new TokenExpiredError();
    }
    const key = `${expect ?? '*'} ${token}`;
    const pending = this.asking.get(key);
    if (pending) return pending;
    const asked = this.client
      .claims(token, expect)
      .then(
        (claims) => {
          const header = decodeSegment(token.slice(0, token.indexOf('.')));
          if (!header || !hasClaimShapes(claims, false)) throw new TokenInvalidError();
          this.checkVouched(claims);
          const verified = deepFreeze({ token, header, claims });
          if (this.options.cacheSize > 0) {
            // Full: the oldest answer gives up its place (a Map keeps insertion order).
            if (this.answers.size >= this.options.cacheSize) {
              this.answers.delete(this.answers.keys().next().value!);
            }
            this.answers.set(token, {
              verified,
              until: Date.now() + this.options.claimsTtlMs,
              notAfter: claims.exp * 1000 + this.leewayMs,
            });
          }
          return verified;
        },
        (error: unknown) => {
          throw error instanceof JwtSecurityError ? error : new TokenInvalidError({ cause: error });
        },
      )
      .finally(() => this.asking.delete(key));
    this.asking.set(key, asked);
    return asked;
  }

  private get leewayMs(): number {
    return this.options.leeway * 1000;
  }

  /**
   * The rules this instance sets, applied to the claims the authority vouched for as they are to
   * a token verified here: its own `audience` and `issuer`, `exp` and `nbf` with its own leeway.
   * An authority with other settings (or a laxer clock) cannot widen them.
   */
  private checkVouched(claims: JwtClaims): void {
    const { audience, issuer } = this.options;
    if (audience !== undefined) {
      const aud: unknown = claims.aud;
      if (aud !== audience && !(Array.isArray(aud) && aud.includes(audience))) {
        throw new TokenInvalidError();
      }
    }
    if (issuer !== undefined && claims.iss !== issuer) throw new TokenInvalidError();
    const now = Date.now();
    if (now > claims.exp * 1000 + this.leewayMs) throw new TokenExpiredError();
    if (typeof claims.nbf === 'number' && now < claims.nbf * 1000 - this.leewayMs) {
      throw new TokenInvalidError();
    }
  }
}
