import type { OnModuleDestroy } from '@nestjs/common';
import { RevocationListeners } from './revocation-listeners.js';
import {
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
  byExpiry,
  byIssue,
  newestFirst,
  tokenQueryLimit,
} from './token-store.js';

/** Options of `MemoryTokenStore`. @publicApi */
export interface MemoryTokenStoreOptions {
  /** Milliseconds between sweeps of expired entries. Default `60000`. */
  sweepInterval?: number;
}

interface LoggedRevocation extends RevocationEntry {
  seq: number;
}

/**
 * The embedded default store: everything in this process's memory, lost on restart and not
 * shared between instances. Expired entries disappear lazily on read and in a periodic sweep
 * driven by one `unref()`'d timer.
 *
 * @publicApi
 */
export class MemoryTokenStore extends TokenStore implements OnModuleDestroy {
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly sessionTokens = new Map<string, Set<string>>();
  private readonly subjectSessions = new Map<string, Set<string>>();
  private revocationLog: LoggedRevocation[] = [];
  private seq = 0;
  private readonly listeners = new RevocationListeners();
  private readonly timer: NodeJS.Timeout;

  constructor(options: MemoryTokenStoreOptions = {}) {
    super();
    this.timer = setInterval(
      () => void this.purgeExpired(Math.floor(Date.now() / 1000)),
      options.sweepInterval ?? 60_000,
    );
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  async createSession(session: NewSessionRecord, tokens: NewTokenRecord[]): Promise<void> {
    this.sessions.set(session.sid, { ...session, lastUsedAt: session.createdAt });
    this.index(this.subjectSessions, session.sub, session.sid);
    for (const token of tokens) this.addToken(token);
  }

  async rotateRefreshToken(input: RotateRefreshInput): Promise<RotateOutcome> {
    // Runs without an await before its writes: atomic within this process.
    const token = this.tokens.get(input.jti);
    const session = this.sessions.get(input.sid);
    if (!token || !session || token.sid !== input.sid) return 'unknown';
    if (session.revokedAt !== undefined) return 'session_revoked';
    if (token.state === 'revoked') return 'revoked';
    if (token.state === 'retired') {
      const grace = input.reuseGrace ?? 0;
      if (grace > 0 && input.now - (token.endedAt ?? 0) <= grace) return 'superseded';
      this.endSession(session, input.now, input.leeway ?? 0);
      return 'reused';
    }
    if (input.retire) {
      token.state = 'retired';
      token.endedAt = input.now;
    }
    for (const next of input.tokens) this.addToken(next);
    session.lastUsedAt = input.now;
    session.expiresAt = Math.max(session.expiresAt, input.sessionExpiresAt);
    return 'rotated';
  }

  async findToken(jti: string): Promise<TokenRecord | undefined> {
    const token = this.tokens.get(jti);
    return token && { ...token };
  }

  async findSession(sid: string): Promise<SessionRecord | undefined> {
    const session = this.sessions.get(sid);
    return session && { ...session };
  }

  async listSessions(sub: string, now: number): Promise<SessionRecord[]> {
    const result: SessionRecord[] = [];
    for (const sid of this.subjectSessions.get(sub) ?? []) {
      const session = this.sessions.get(sid);
      if (session && session.revokedAt === undefined && session.expiresAt > now) {
        result.push({ ...session });
      }
    }
    return result.sort(newestFirst);
  }

  async listTokens(query: TokenQuery): Promise<TokenRecord[]> {
    let candidates: Iterable<TokenRecord>;
    if (query.sid !== undefined) {
      candidates = this.tokensOf(query.sid);
    } else if (query.sub !== undefined) {
      candidates = [...(this.subjectSessions.get(query.sub) ?? [])].flatMap((sid) =>
        this.tokensOf(sid),
      );
    } else {
      candidates = this.tokens.values();
    }
    const result: TokenRecord[] = [];
    for (const token of candidates) {
      if (query.sub !== undefined && token.sub !== query.sub) continue;
      if (query.status === 'active' && (token.state !== 'active' || token.expiresAt <= query.now)) {
        continue;
      }
      if (query.status === 'expired' && token.expiresAt > query.now) continue;
      result.push({ ...token });
    }
    // Over the limit: keep those that expire first, as the other stores do.
    const limit = tokenQueryLimit(query);
    if (result.length > limit) result.sort(byExpiry).length = limit;
    return result.sort(byIssue);
  }

  async tokenTree(jti: string): Promise<TokenRecord[]> {
    const token = this.tokens.get(jti);
    if (!token) return [];
    return this.tokensOf(token.sid)
      .map((t) => ({ ...t }))
      .sort(byIssue);
  }

  async revokeToken(jti: string, now: number, leeway = 0): Promise<boolean> {
    const token = this.tokens.get(jti);
    if (!token) return false;
    if (token.state !== 'revoked') {
      token.state = 'revoked';
      token.endedAt = now;
      this.log({ kind: 'token', id: jti, expiresAt: token.expiresAt + leeway });
    }
    return true;
  }

  async revokeSession(sid: string, now: number, leeway = 0): Promise<boolean> {
    const session = this.sessions.get(sid);
    if (!session) return false;
    this.endSession(session, now, leeway);
    return true;
  }

  async revokeSubject(sub: string, now: number, leeway = 0): Promise<string[]> {
    const revoked: string[] = [];
    for (const sid of this.subjectSessions.get(sub) ?? []) {
      const session = this.sessions.get(sid);
      if (session && session.revokedAt === undefined) {
        this.endSession(session, now, leeway);
        revoked.push(sid);
      }
    }
    return revoked;
  }

  async isRevoked(jti: string, sid: string): Promise<boolean> {
    const session = this.sessions.get(sid);
    return session?.revokedAt !== undefined || this.tokens.get(jti)?.state === 'revoked';
  }

  async revocationsSince(cursor: string | undefined, now: number): Promise<RevocationBatch> {
    // A cursor it did not make replays everything, as the other stores do: never fewer.
    const after = cursor !== undefined && /^\d{1,15}$/.test(cursor) ? Number(cursor) : 0;
    const entries: RevocationEntry[] = [];
    for (const { seq, ...entry } of this.revocationLog) {
      if (seq > after && entry.expiresAt > now) entries.push(entry);
    }
    return { cursor: String(this.seq), entries };
  }

  async purgeExpired(before: number): Promise<number> {
    let count = 0;
    for (const [jti, token] of this.tokens) {
      if (token.expiresAt < before) {
        this.tokens.delete(jti);
        this.sessionTokens.get(token.sid)?.delete(jti);
        count++;
      }
    }
    for (const [sid, session] of this.sessions) {
      if (session.expiresAt < before) {
        this.sessions.delete(sid);
        this.sessionTokens.delete(sid);
        const owned = this.subjectSessions.get(session.sub);
        owned?.delete(sid);
        if (owned?.size === 0) this.subjectSessions.delete(session.sub);
        count++;
      }
    }
    this.revocationLog = this.revocationLog.filter((entry) => entry.expiresAt >= before);
    return count;
  }

  override async watchRevocations(listener: () => void): Promise<() => Promise<void>> {
    this.listeners.add(listener);
    return async () => {
      this.listeners.delete(listener);
    };
  }

  private addToken(token: NewTokenRecord): void {
    this.tokens.set(token.jti, { ...token, state: 'active' });
    this.index(this.sessionTokens, token.sid, token.jti);
  }

  /** Revokes a session and its tokens; the entry lasts as long as its longest-lived token. */
  private endSession(session: SessionRecord, now: number, leeway: number): void {
    if (session.revokedAt !== undefined) return;
    session.revokedAt = now;
    let horizon = session.expiresAt;
    for (const token of this.tokensOf(session.sid)) {
      horizon = Math.max(horizon, token.expiresAt);
      if (token.state !== 'revoked') {
        token.state = 'revoked';
        token.endedAt ??= now;
      }
    }
    this.log({ kind: 'session', id: session.sid, expiresAt: horizon + leeway });
  }

  private tokensOf(sid: string): TokenRecord[] {
    const result: TokenRecord[] = [];
    for (const jti of this.sessionTokens.get(sid) ?? []) {
      const token = this.tokens.get(jti);
      if (token) result.push(token);
    }
    return result;
  }

  private log(entry: RevocationEntry): void {
    this.revocationLog.push({ ...entry, seq: ++this.seq });
    this.listeners.notify();
  }

  private index(map: Map<string, Set<string>>, key: string, value: string): void {
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    set.add(value);
  }
}
