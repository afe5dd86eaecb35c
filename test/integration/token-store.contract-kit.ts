import { randomUUID } from 'node:crypto';
import type {
  NewSessionRecord,
  NewTokenRecord,
  RotateRefreshInput,
  TokenRecord,
  TokenStore,
} from '../../lib/stores/token-store.js';

/** What the contract needs from a backend. */
export interface TokenStoreHarness {
  /** A new store instance over the backend under test (for shared backends: the same data). */
  create(): Promise<TokenStore>;
  /** `true` when two instances from `create()` share their state (Redis, PostgreSQL). */
  shared: boolean;
  /** Closes what `create()` made and drops the test data. */
  cleanup(): Promise<void>;
}

/** What the contract's suites share: the harness, two store instances and a login helper. */
export interface ContractContext {
  harness: TokenStoreHarness;
  store: TokenStore;
  /** Another instance over the same data (the same instance for unshared stores). */
  other: TokenStore;
  /** Records a login (a session, its refresh and access tokens) through `store`. */
  open(sub?: string, now?: number, options?: LoginOptions): Promise<LoginRecords>;
}

export interface LoginOptions {
  ttl?: number;
  access?: number;
  ua?: string;
  ip?: string;
}

export interface LoginRecords {
  session: NewSessionRecord;
  refresh: NewTokenRecord;
  access: NewTokenRecord;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
export const HOUR = 3600;

/** A login's records: a session with a refresh and an access token. */
export function login(
  sub: string,
  now: number,
  { ttl = 4 * HOUR, access = HOUR, ua, ip }: LoginOptions = {},
): LoginRecords {
  const sid = randomUUID();
  const refresh: NewTokenRecord = {
    jti: randomUUID(),
    sid,
    sub,
    obj: 'refresh',
    issuedAt: now,
    expiresAt: now + ttl,
  };
  return {
    session: {
      sid,
      sub,
      createdAt: now,
      expiresAt: now + ttl,
      ...(ua && { userAgent: ua }),
      ...(ip && { ip }),
    },
    refresh,
    access: {
      jti: randomUUID(),
      sid,
      sub,
      obj: 'access',
      issuedAt: now,
      expiresAt: now + Math.min(access, ttl),
      parent: refresh.jti,
    },
  };
}

/** The successors of a refresh token, as `JwtAuthService.refresh()` makes them. */
export function successors(
  previous: NewTokenRecord,
  now: number,
  ttl = 4 * HOUR,
): NewTokenRecord[] {
  const base = { sid: previous.sid, sub: previous.sub, issuedAt: now, parent: previous.jti };
  return [
    { ...base, jti: randomUUID(), obj: 'refresh', expiresAt: now + ttl },
    { ...base, jti: randomUUID(), obj: 'access', expiresAt: now + HOUR },
  ];
}

/**
 * A rotation of `refresh` (of `session`) at `now`, as `JwtAuthService.refresh()` asks for one:
 * retire it, record its successors, make the session last an hour from `now`; `overrides`
 * change any of it.
 */
export function rotation(
  { session, refresh }: Pick<LoginRecords, 'session' | 'refresh'>,
  now: number,
  overrides: Partial<RotateRefreshInput> = {},
): RotateRefreshInput {
  return {
    jti: refresh.jti,
    sid: session.sid,
    tokens: successors(refresh, now),
    retire: true,
    sessionExpiresAt: now + HOUR,
    now,
    ...overrides,
  };
}

export const active = (t: NewTokenRecord): TokenRecord => ({ ...t, state: 'active' });
export const subject = (): string => `users:${randomUUID()}`;
