import { randomBytes, randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import type { JwtSecurityOptions } from '../config/jwt-security-options.dto.js';
import { TokenRevokedError, TokenWrongTypeError } from '../errors/jwt-security.errors.js';
import type {
  JwtClaims,
  JwtHeader,
  JwtObjectType,
  TokenPair,
  VerifiedToken,
} from '../interfaces/jwt-claims.interface.js';
import {
  JWT_SECURITY_KEYS,
  JWT_SECURITY_OPTIONS,
  RESERVED_CLAIMS,
} from '../jwt-security.constants.js';
import type { KeyRing } from '../internal/key-ring.js';
import { ProxyVerifier } from '../internal/proxy-verifier.js';
import { RevocationView } from '../internal/revocation-view.js';
import { callStore } from '../internal/store-call.js';
import { decodeSegment, TokenCodec } from '../internal/token-codec.js';
import { TokenStore } from '../stores/token-store.js';
import { AuthorityClient } from './authority-client.service.js';

/** What a new token pair is made of. @publicApi */
export interface IssueTokensInput {
  /** Principal id, the `sub` claim. */
  sub: string;
  /** Session id; a new one when absent (login). */
  sid?: string;
  /** Custom claims; reserved ones are dropped. */
  claims?: Record<string, unknown>;
  /** Mark the access token `fresh` (issued from credentials). */
  fresh?: boolean;
  /** `jti` of the refresh token the pair comes from. */
  parent?: string;
  /** Issue a refresh token too. Default `true`. */
  withRefresh?: boolean;
  /** Seconds since the epoch. Default: now. */
  now?: number;
}

/** Options of `JwtTokenService.verify()`. @publicApi */
export interface VerifyTokenOptions {
  /** Required `obj`; `undefined` accepts both. Default `'access'`. */
  expect?: JwtObjectType | undefined;
}

/**
 * Creates, verifies, decodes and revokes tokens. Verification is synchronous at heart: imported
 * keys, a bounded cache of verified token strings and an in-memory revocation view kept in step
 * with the store.
 *
 * @example
 * ```ts
 * const { claims } = await tokens.verify(token);            // an access token
 * const pair = tokens.issue({ sub: 'users:42', claims: { scope: 'read' } });
 * ```
 * @publicApi
 */
@Injectable()
export class JwtTokenService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('JwtSecurityModule');
  private readonly codec: TokenCodec;
  private readonly proxy?: ProxyVerifier;
  private readonly view: RevocationView;
  private readonly cookieMode: boolean;

  constructor(
    @Inject(JWT_SECURITY_OPTIONS) private readonly options: JwtSecurityOptions,
    @Inject(JWT_SECURITY_KEYS) keys: KeyRing,
    private readonly store: TokenStore,
    @Optional() @Inject(AuthorityClient) authority?: AuthorityClient | null,
  ) {
    const codecOptions = {
      audience: options.audience,
      issuer: options.issuer,
      leeway: options.leeway,
      maxTokenSize: options.maxTokenSize,
      cacheSize: options.verifyCacheSize,
    };
    this.codec = new TokenCodec(keys, codecOptions);
    this.cookieMode = options.tokenLocation.includes('cookie');
    if (options.mode === 'proxy' && authority) {
      this.proxy = new ProxyVerifier(
        authority,
        keys,
        {
          ...codecOptions,
          algorithms: [
            options.algorithm,
            ...options.verificationKeys.map((k) => k.algorithm ?? options.algorithm),
          ],
          refetchIntervalMs: options.jwksRefetchInterval * 1000,
          maxAgeMs: options.jwksMaxAge * 1000,
          claimsTtlMs: options.claimsCacheTtl * 1000,
        },
        this.logger,
      );
    }
    this.view = new RevocationView(
      store,
      options.revocationSyncInterval,
      this.logger,
      options.storeTimeout,
      options.leeway,
    );
  }

  async onModuleInit(): Promise<void> {
    await Promise.all([this.view.start(), this.proxy?.start()]);
  }

  /** Stops polling before the store closes its connections (stores close in onModuleDestroy). */
  async onModuleDestroy(): Promise<void> {
    await this.view.stop();
  }

  /** Signs a new access token, and a refresh token unless `withRefresh` is `false`. */
  issue(input: IssueTokensInput): TokenPair {
    const now = input.now ?? Math.floor(Date.now() / 1000);
    const sid = input.sid ?? randomUUID();
    const access = this.claimsFor('access', input, sid, now, this.options.accessExpiration);
    if (input.fresh === true) access.fresh = true;
    const accessToken = this.codec.encode(access);
    if (input.withRefresh === false) return { accessToken, access };
    const refresh = this.claimsFor('refresh', input, sid, now, this.options.refreshExpiration);
    return { accessToken, access, refreshToken: this.codec.encode(refresh), refresh };
  }

  /** The claims of one token: reserved ones in a fixed order, then the custom ones. */
  private claimsFor(
    obj: JwtObjectType,
    input: IssueTokensInput,
    sid: string,
    now: number,
    lifetime: number,
  ): JwtClaims {
    const claims: JwtClaims = {
      sub: input.sub,
      iat: now,
      exp: now + lifetime,
      jti: randomUUID(),
      obj,
      sid,
    };
    if (this.options.audience !== undefined) claims.aud = this.options.audience;
    if (this.options.issuer !== undefined) claims.iss = this.options.issuer;
    // Cookie mode: the double-submit value the page must echo in the CSRF header.
    if (this.cookieMode) claims.csrf = randomBytes(18).toString('base64url');
    const custom = input.claims;
    if (custom !== undefined) {
      for (const name of Object.keys(custom)) {
        const value = custom[name];
        if (value !== undefined && !RESERVED_CLAIMS.has(name)) claims[name] = value;
      }
    }
    return claims;
  }

  /**
   * Verifies a token: signature, algorithm, key, `exp`/`nbf` with leeway, `aud`/`iss`, its `obj`
   * and, per the `revocation` option, the revocations. Throws a `JwtSecurityError`.
   */
  async verify(token: string, options: VerifyTokenOptions = {}): Promise<VerifiedToken> {
    return this.check(token, 'expect' in options ? options.expect : 'access');
  }

  /**
   * Same as `verify()`, but synchronous whenever no I/O is needed (always in local mode; in
   * proxy mode unless the authority must be asked), so the guard's hot path never awaits.
   */
  check(token: string, expect: JwtObjectType | undefined): VerifiedToken | Promise<VerifiedToken> {
    if (this.proxy) {
      const result = this.proxy.verify(token, expect);
      return result instanceof Promise
        ? result.then((v) => this.accept(v, expect))
        : this.accept(result, expect);
    }
    return this.accept(this.codec.verify(token), expect);
  }

  /** Same as `verify()`, synchronously. Local mode only: proxy mode may need the authority. */
  verifySync(token: string, options: VerifyTokenOptions = {}): VerifiedToken {
    const result = this.check(token, 'expect' in options ? options.expect : 'access');
    if (result instanceof Promise) {
      result.catch(() => undefined);
      throw new Error('verifySync() cannot wait for the authority in proxy mode: use verify()');
    }
    return result;
  }

  /** Checks the kind of token and the revocations, after the signature was verified. */
  private accept(verified: VerifiedToken, expect: JwtObjectType | undefined): VerifiedToken {
    const { obj, jti, sid } = verified.claims;
    if (expect !== undefined && obj !== expect) throw new TokenWrongTypeError(expect);
    if ((this.options.revocation === 'all' || obj === 'refresh') && this.view.isRevoked(jti, sid)) {
      throw new TokenRevokedError();
    }
    return verified;
  }

  /** Reads a token's header and claims WITHOUT verifying anything. Undefined if unreadable. */
  decode(token: string): { header: JwtHeader; claims: Record<string, unknown> } | undefined {
    const parts = typeof token === 'string' ? token.split('.') : [];
    if (parts.length !== 3) return undefined;
    const header = decodeSegment(parts[0]!);
    const claims = decodeSegment(parts[1]!);
    return header && claims ? { header, claims } : undefined;
  }

  /** Revokes one token by `jti`. Returns `false` if the store never recorded it. */
  async revokeToken(jti: string): Promise<boolean> {
    const { leeway } = this.options;
    const found = await this.callStore(() => this.store.revokeToken(jti, nowSeconds(), leeway));
    this.markRevoked('token', [jti]);
    return found;
  }

  /** Revokes a session: every token of it. Returns `false` if unknown. */
  async revokeSession(sid: string): Promise<boolean> {
    const { leeway } = this.options;
    const found = await this.callStore(() => this.store.revokeSession(sid, nowSeconds(), leeway));
    this.markRevoked('session', [sid]);
    return found;
  }

  /**
   * Revokes every session of a subject ("log out everywhere"). Returns how many. The store
   * answers with the sessions it revoked, so that one opened meanwhile is refused here too.
   */
  async revokeSubject(sub: string): Promise<number> {
    const { leeway } = this.options;
    const sids = await this.callStore(() => this.store.revokeSubject(sub, nowSeconds(), leeway));
    this.markRevoked('session', sids);
    return sids.length;
  }

  /** Pulls revocations from the store now instead of at the next poll. */
  syncRevocations(): Promise<void> {
    return this.view.sync();
  }

  /** @internal Runs a store operation with the module's timeout and fail-closed mapping. */
  callStore<T>(operation: () => Promise<T>): Promise<T> {
    return callStore(operation, this.options.storeTimeout, this.logger);
  }

  /** @internal Applies revocations this instance made to its own view at once. */
  applyRevocations(entries: Parameters<RevocationView['apply']>[0]): void {
    this.view.apply(entries);
  }

  /** @internal Refuses these tokens or sessions here at once, as long as any token of them lives. */
  markRevoked(kind: 'token' | 'session', ids: readonly string[]): void {
    const expiresAt = nowSeconds() + this.options.refreshExpiration + this.options.leeway;
    this.view.apply(ids.map((id) => ({ kind, id, expiresAt })));
  }
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
