import { Injectable } from '@nestjs/common';
import {
  TokenStore,
  type SessionRecord,
  type TokenQuery,
  type TokenRecord,
} from '../stores/token-store.js';
import { JwtTokenService } from './jwt-token.service.js';

/** Filter of `JwtTokenRegistry.tokens()`: a `TokenQuery` whose `now` defaults to now. @publicApi */
export type TokenRegistryQuery = Omit<TokenQuery, 'now'> & {
  /** Seconds since the epoch at which `status` is judged. Default: now. */
  now?: number;
};

/**
 * The token registry of the local authority (mode `local`), for an app's own code: admin
 * screens, "log out everywhere", an archiver. It reads and writes the module's `TokenStore`, every call bounded by
 * `storeTimeout` and failing closed (`ServiceUnavailableError`, 503, when the store cannot
 * answer); revocations made here are refused by this instance at once, and by the others
 * within the revocation propagation bound.
 *
 * @example
 * ```ts
 * @Injectable()
 * export class AccountsService {
 *   constructor(private readonly registry: JwtTokenRegistry) {}
 *
 *   async passwordChanged(userId: string): Promise<void> {
 *     await this.registry.revokeSubject(`users:${userId}`); // every session, every instance
 *   }
 *
 *   devices(userId: string) {
 *     return this.registry.sessions(`users:${userId}`);
 *   }
 * }
 * ```
 * @publicApi
 */
@Injectable()
export class JwtTokenRegistry {
  constructor(
    private readonly service: JwtTokenService,
    private readonly store: TokenStore,
  ) {}

  /** Live sessions (neither revoked nor expired) of a subject, newest first. */
  sessions(sub: string): Promise<SessionRecord[]> {
    return this.service.callStore(() => this.store.listSessions(sub, nowSeconds()));
  }

  /** Every token of the tree `jti` belongs to (its session, parent links included), oldest first. */
  tokenTree(jti: string): Promise<TokenRecord[]> {
    return this.service.callStore(() => this.store.tokenTree(jti));
  }

  /**
   * Recorded tokens matching the query, oldest first, at most `limit` (default 1000: the ones
   * that expire first). `status: 'active'`: usable now; `status: 'expired'`: past their expiry.
   *
   * @example
   * ```ts
   * const live = await registry.tokens({ sub: 'users:42', status: 'active' });
   * const old = await registry.tokens({ status: 'expired', limit: 500 });
   * ```
   */
  async tokens(query: TokenRegistryQuery = {}): Promise<TokenRecord[]> {
    if (query.limit !== undefined && !(Number.isInteger(query.limit) && query.limit > 0)) {
      throw new RangeError('JwtTokenRegistry.tokens(): limit must be a positive integer');
    }
    const full: TokenQuery = { ...query, now: query.now ?? nowSeconds() };
    return this.service.callStore(() => this.store.listTokens(full));
  }

  /** Revokes one token by `jti`. Returns `false` if the store never recorded it. */
  revokeToken(jti: string): Promise<boolean> {
    return this.service.revokeToken(jti);
  }

  /** Revokes a session, its whole token tree. Returns `false` if the store never recorded it. */
  revokeSession(sid: string): Promise<boolean> {
    return this.service.revokeSession(sid);
  }

  /** Revokes every live session of a subject; returns how many it revoked. */
  revokeSubject(sub: string): Promise<number> {
    return this.service.revokeSubject(sub);
  }

  /**
   * Deletes the tokens, sessions and revocations that expired more than `olderThan` seconds
   * ago (the archiver's job); returns how many tokens and sessions went. Revocations stay as
   * long as a token they cover may still be accepted (its expiry plus `leeway`).
   *
   * @example
   * ```ts
   * await registry.purgeExpired(30 * 24 * 3600); // keep a month of history
   * ```
   */
  async purgeExpired(olderThan = 0): Promise<number> {
    if (!Number.isInteger(olderThan) || olderThan < 0) {
      throw new RangeError('JwtTokenRegistry.purgeExpired(): olderThan must be an integer >= 0');
    }
    return this.service.callStore(() => this.store.purgeExpired(nowSeconds() - olderThan));
  }
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
