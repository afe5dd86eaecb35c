import type { JwtObjectType } from '../interfaces/jwt-claims.interface.js';
import type { ResettableThrottlerStorage } from './memory-throttler.storage.js';

/** Lifecycle of a recorded token. `retired`: a refresh token replaced by rotation. @publicApi */
export type TokenState = 'active' | 'retired' | 'revoked';

/** A token as the registry records it at issue time. Times are seconds since the epoch. @publicApi */
export interface NewTokenRecord {
  jti: string;
  sid: string;
  sub: string;
  obj: JwtObjectType;
  issuedAt: number;
  expiresAt: number;
  /** `jti` of the token it came from: the refresh token that produced it. */
  parent?: string;
}

/** A recorded token with its state. @publicApi */
export interface TokenRecord extends NewTokenRecord {
  state: TokenState;
  /** When it was retired or revoked. */
  endedAt?: number;
}

/** A session as recorded at login. Times are seconds since the epoch. @publicApi */
export interface NewSessionRecord {
  sid: string;
  sub: string;
  createdAt: number;
  /** The session ends when its last refresh token expires. */
  expiresAt: number;
  userAgent?: string;
  ip?: string;
}

/** A recorded session. @publicApi */
export interface SessionRecord extends NewSessionRecord {
  lastUsedAt: number;
  revokedAt?: number;
}

/** Input of an atomic refresh-token rotation. @publicApi */
export interface RotateRefreshInput {
  /** The refresh token being presented. */
  jti: string;
  sid: string;
  /** Tokens to record when the rotation succeeds (new access, new refresh). */
  tokens: NewTokenRecord[];
  /** `true`: retire the presented refresh token; `false`: keep it and only add `tokens`. */
  retire: boolean;
  /** New expiry of the session (the new refresh token's). */
  sessionExpiresAt: number;
  now: number;
  /**
   * Seconds after its retirement during which a retired refresh token presented again is
   * refused as `superseded` without ending the session (concurrent refreshes of one client).
   * Later, it is `reused`. Default `0`.
   */
  reuseGrace?: number;
  /** Seconds past `exp` tokens are still accepted: a revocation on reuse is kept that long. */
  leeway?: number;
}

/**
 * Outcome of a rotation: `rotated` (tokens recorded), `superseded` (already retired within the
 * reuse grace: refused, the session lives on), `reused` (already retired before that: the whole
 * session is now revoked), `revoked` (the presented token was revoked, its session was not),
 * `session_revoked` (its session was revoked) or `unknown` (never recorded, or already purged).
 *
 * @publicApi
 */
export type RotateOutcome =
  'rotated' | 'superseded' | 'reused' | 'revoked' | 'session_revoked' | 'unknown';

/** One revocation, as replayed to every instance's in-memory view. @publicApi */
export interface RevocationEntry {
  kind: 'token' | 'session';
  /** `jti` or `sid`. */
  id: string;
  /**
   * Until when the entry matters: when the revoked token or session would have expired anyway,
   * plus the `leeway` the revoking module accepts tokens past their `exp`. Useless after.
   */
  expiresAt: number;
}

/** Revocations after a cursor, and the cursor to continue from. @publicApi */
export interface RevocationBatch {
  cursor: string;
  entries: RevocationEntry[];
}

/** Filter of `listTokens`. @publicApi */
export interface TokenQuery {
  sub?: string;
  sid?: string;
  /** `active`: not ended and not expired at `now`; `expired`: past `expiresAt`. */
  status?: 'active' | 'expired';
  now: number;
  /**
   * The most tokens one call returns: when more match, the `limit` that expire first (ties by
   * `jti`). Default `1000` (`DEFAULT_TOKEN_QUERY_LIMIT`); `Infinity` for no cap.
   */
  limit?: number;
}

/** Default `limit` of `TokenQuery`. @publicApi */
export const DEFAULT_TOKEN_QUERY_LIMIT = 1000;

/** The `limit` of a query as a store applies it: a positive integer, the default when absent. */
export function tokenQueryLimit(query: Pick<TokenQuery, 'limit'>): number {
  const limit = query.limit;
  if (limit === undefined || Number.isNaN(limit)) return DEFAULT_TOKEN_QUERY_LIMIT;
  return limit === Infinity ? Number.MAX_SAFE_INTEGER : Math.max(1, Math.floor(limit));
}

/** `listTokens` and `tokenTree` order: oldest first, refresh before access within a second, then `jti`. */
export function byIssue(a: TokenRecord, b: TokenRecord): number {
  if (a.issuedAt !== b.issuedAt) return a.issuedAt - b.issuedAt;
  if (a.obj !== b.obj) return a.obj === 'refresh' ? -1 : 1;
  return compareIds(a.jti, b.jti);
}

/** The tokens a capped `listTokens` keeps: those that expire first, then by `jti`. */
export function byExpiry(a: TokenRecord, b: TokenRecord): number {
  return a.expiresAt - b.expiresAt || compareIds(a.jti, b.jti);
}

/** `listSessions` order: newest first, then by `sid`. */
export function newestFirst(a: SessionRecord, b: SessionRecord): number {
  return b.createdAt - a.createdAt || compareIds(a.sid, b.sid);
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Where the module keeps its state: the registry of issued tokens and sessions, and the
 * revocations. Being an abstract class, it is both the type and the injection token.
 *
 * Implementations must make multi-step writes atomic, give every write an expiry so that
 * backends can use native TTLs, and throw when the backend cannot answer (the module then
 * fails closed with `service_unavailable`). Times are seconds since the epoch.
 *
 * @publicApi
 */
export abstract class TokenStore {
  /** Records a new session and its first tokens (login). */
  abstract createSession(session: NewSessionRecord, tokens: NewTokenRecord[]): Promise<void>;

  /**
   * Atomically checks the presented refresh token and records its successors (refresh).
   * Exactly one of many concurrent calls with the same `jti` and `retire: true` succeeds.
   */
  abstract rotateRefreshToken(input: RotateRefreshInput): Promise<RotateOutcome>;

  abstract findToken(jti: string): Promise<TokenRecord | undefined>;
  abstract findSession(sid: string): Promise<SessionRecord | undefined>;

  /** Sessions of a subject that are neither revoked nor expired at `now`, newest first. */
  abstract listSessions(sub: string, now: number): Promise<SessionRecord[]>;

  /**
   * Tokens matching the query, oldest first: at most `query.limit` (see `TokenQuery`), read in
   * bounded steps so that one call never holds the backend for long.
   */
  abstract listTokens(query: TokenQuery): Promise<TokenRecord[]>;

  /** Every token of the tree `jti` belongs to (its session), oldest first. */
  abstract tokenTree(jti: string): Promise<TokenRecord[]>;

  /**
   * Revokes one token. Returns `false` if it was unknown. The revocation's entry is kept until
   * the token's expiry plus `leeway` (seconds the module still accepts it past `exp`).
   */
  abstract revokeToken(jti: string, now: number, leeway?: number): Promise<boolean>;

  /**
   * Revokes a session and so every token in it. Returns `false` if it was unknown. Its entry
   * is kept until its longest-lived token expires, plus `leeway`.
   */
  abstract revokeSession(sid: string, now: number, leeway?: number): Promise<boolean>;

  /**
   * Revokes every live session of a subject, atomically; returns the ids of the sessions it
   * revoked (sessions already revoked are left out), so that the caller can mirror exactly
   * those. Entries are kept as with `revokeSession`.
   */
  abstract revokeSubject(sub: string, now: number, leeway?: number): Promise<string[]>;

  /**
   * Whether the token or its session is revoked, straight from the backend. The module itself
   * only calls it from the health probe, to prove that the store answers: refresh relies on
   * `rotateRefreshToken`'s outcome, and the per-request check (a cold start included) on the
   * in-memory view fed by `revocationsSince`.
   */
  abstract isRevoked(jti: string, sid: string): Promise<boolean>;

  /**
   * Revocations recorded after `cursor` (all still-relevant ones when `cursor` is undefined),
   * for the in-memory view every instance keeps.
   */
  abstract revocationsSince(cursor: string | undefined, now: number): Promise<RevocationBatch>;

  /** Deletes tokens, sessions and revocations that expired before `before`; returns the count. */
  abstract purgeExpired(before: number): Promise<number>;

  /**
   * Optional push channel: calls `listener` soon after any instance records a revocation, so
   * views refresh without waiting for their next poll. Returns an unsubscribe function.
   */
  watchRevocations?(listener: () => void): Promise<() => Promise<void>>;

  /**
   * Optional: login-throttle counters kept in the same backend, so that the limits hold across
   * every instance that shares the store.
   */
  createThrottlerStorage?(): ResettableThrottlerStorage;
}
