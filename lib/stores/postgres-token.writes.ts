import type { Queryable } from './postgres-token.pool.js';
import type { PostgresTokenStoreNames } from './postgres-token.schema.js';
import { tokensJson, type PostgresTokenStatements } from './postgres-token.sql.js';
import type { RotateOutcome, RotateRefreshInput } from './token-store.js';

/**
 * The rotation and revocation writes of `PostgresTokenStore`, each the body of one transaction
 * the store opens. Every writer locks a session's row before its tokens' rows, so concurrent
 * writers never deadlock and a refresh token rotates exactly once; revocations go to the log
 * last (see `logRevocations`).
 */
export class PostgresTokenWrites {
  constructor(
    private readonly sql: PostgresTokenStatements,
    private readonly names: PostgresTokenStoreNames,
  ) {}

  async rotate(client: Queryable, input: RotateRefreshInput): Promise<RotateOutcome> {
    // The session first, then the token: the order every writer locks in.
    const [session] = (await client.query<{ revoked: boolean }>(this.sql.lockSession, [input.sid]))
      .rows;
    const [token] = (
      await client.query<{ sid: string; state: string; ended_at: string | null }>(
        this.sql.lockToken,
        [input.jti],
      )
    ).rows;
    if (!token || !session || token.sid !== input.sid) return 'unknown';
    if (session.revoked) return 'session_revoked';
    if (token.state === 'revoked') return 'revoked';
    if (token.state === 'retired') {
      const grace = input.reuseGrace ?? 0;
      if (grace > 0 && input.now - Number(token.ended_at ?? 0) <= grace) return 'superseded';
      await this.endSessions(client, [input.sid], input.now, input.leeway ?? 0);
      return 'reused';
    }
    if (input.retire) await client.query(this.sql.retireToken, [input.jti, input.now]);
    await client.query(this.sql.extendSession, [
      input.sid,
      input.now,
      input.sessionExpiresAt,
      tokensJson(input.tokens),
    ]);
    return 'rotated';
  }

  async revokeToken(client: Queryable, jti: string, now: number, leeway: number): Promise<boolean> {
    const [row] = (
      await client.query<{ state: string; expires_at: string }>(this.sql.lockToken, [jti])
    ).rows;
    if (!row) return false;
    if (row.state !== 'revoked') {
      await client.query(this.sql.revokeToken, [jti, now]);
      await this.logRevocations(client, 'token', [jti], [row.expires_at], leeway);
    }
    return true;
  }

  async revokeSession(
    client: Queryable,
    sid: string,
    now: number,
    leeway: number,
  ): Promise<boolean> {
    if ((await client.query(this.sql.lockSession, [sid])).rowCount === 0) return false;
    await this.endSessions(client, [sid], now, leeway);
    return true;
  }

  async revokeSubject(
    client: Queryable,
    sub: string,
    now: number,
    leeway: number,
  ): Promise<string[]> {
    const { rows } = await client.query<{ sid: string }>(this.sql.lockSubject, [sub]);
    if (rows.length === 0) return [];
    const sids = rows.map((r) => r.sid);
    return this.endSessions(client, sids, now, leeway);
  }

  /**
   * Revokes sessions and their tokens, then logs one revocation per session; returns the ids
   * of those it revoked (not those already revoked).
   */
  private async endSessions(
    client: Queryable,
    sids: string[],
    now: number,
    leeway: number,
  ): Promise<string[]> {
    const { rows } = await client.query<{ sid: string; horizon: string }>(this.sql.endSessions, [
      sids,
      now,
    ]);
    const revoked = rows.map((r) => r.sid);
    const horizons = rows.map((r) => r.horizon);
    await this.logRevocations(client, 'session', revoked, horizons, leeway);
    return revoked;
  }

  /**
   * Appends to the revocation log and notifies, last in the transaction: the advisory lock
   * makes ids commit in order, so a reader never skips an id that commits later. Each entry
   * lasts until its expiry plus `leeway`.
   */
  private async logRevocations(
    client: Queryable,
    kind: 'token' | 'session',
    refs: string[],
    expiries: string[],
    leeway: number,
  ): Promise<void> {
    if (refs.length === 0) return;
    const extra = Number.isFinite(leeway) && leeway > 0 ? Math.floor(leeway) : 0;
    const until = expiries.map((exp) => String(Number(exp) + extra));
    await client.query(this.sql.advisoryLock, [this.names.revocationLock]);
    await client.query(this.sql.logRevocations, [kind, refs, until]);
    await client.query(this.sql.notify, [this.names.channel, kind]);
  }
}
