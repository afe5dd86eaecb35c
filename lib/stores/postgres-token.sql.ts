import type { PostgresTokenStoreNames } from './postgres-token.schema.js';
import {
  tokenQueryLimit,
  type NewTokenRecord,
  type RevocationEntry,
  type SessionRecord,
  type TokenQuery,
  type TokenRecord,
} from './token-store.js';

/** A row of the tokens table (pg returns `bigint` as a string). */
export interface TokenRow {
  jti: string;
  sid: string;
  sub: string;
  obj: string;
  issued_at: string;
  expires_at: string;
  parent: string | null;
  state: string;
  ended_at: string | null;
}

/** A row of the sessions table. */
export interface SessionRow {
  sid: string;
  sub: string;
  created_at: string;
  last_used_at: string;
  expires_at: string;
  user_agent: string | null;
  ip: string | null;
  revoked_at: string | null;
}

/** A row of `revocationsSince`: the log's last id, and one entry (or none). */
export interface RevocationRow {
  last: string | null;
  kind: string | null;
  ref: string;
  expires_at: string;
}

const TOKEN_COLUMNS = 'jti, sid, sub, obj, issued_at, expires_at, parent, state, ended_at';
/** `listTokens` order: oldest first, refresh before access within a second, then `jti`. */
const TOKEN_ORDER = 'ORDER BY issued_at, obj DESC, jti COLLATE "C"';

/**
 * Every statement of `PostgresTokenStore`, built once from validated, quoted names. Values
 * always travel as parameters; only identifiers are spliced in.
 */
export function postgresTokenStatements(n: PostgresTokenStoreNames) {
  /** The tail of a statement inserting the tokens given as JSON in `parameter`. */
  const insertTokens = (parameter: string): string =>
    `INSERT INTO ${n.tokens} (jti, sid, sub, obj, issued_at, expires_at, parent, state)
     SELECT jti, sid, sub, obj, issued_at, expires_at, parent, 'active'
     FROM jsonb_to_recordset(${parameter}::jsonb)
       AS x(jti text, sid text, sub text, obj text, issued_at bigint, expires_at bigint, parent text)
     ON CONFLICT (jti) DO UPDATE SET sid = EXCLUDED.sid, sub = EXCLUDED.sub, obj = EXCLUDED.obj,
       issued_at = EXCLUDED.issued_at, expires_at = EXCLUDED.expires_at, parent = EXCLUDED.parent,
       state = 'active', ended_at = NULL`;

  return {
    /** $1 sid, $2 sub, $3 created, $4 expires, $5 user agent, $6 ip, $7 tokens JSON. */
    createSession: `WITH s AS (
        INSERT INTO ${n.sessions} (sid, sub, created_at, last_used_at, expires_at, user_agent, ip)
        VALUES ($1, $2, $3, $3, $4, $5, $6)
        ON CONFLICT (sid) DO UPDATE SET sub = EXCLUDED.sub, created_at = EXCLUDED.created_at,
          last_used_at = EXCLUDED.last_used_at, expires_at = EXCLUDED.expires_at,
          user_agent = EXCLUDED.user_agent, ip = EXCLUDED.ip, revoked_at = NULL
      ) ${insertTokens('$7')}`,
    /** $1 sid. Locks the session row: every writer locks the session before its tokens. */
    lockSession: `SELECT revoked_at IS NOT NULL AS revoked FROM ${n.sessions} WHERE sid = $1 FOR UPDATE`,
    /** $1 jti. */
    lockToken: `SELECT sid, state, expires_at, ended_at FROM ${n.tokens} WHERE jti = $1 FOR UPDATE`,
    /** $1 jti, $2 now. */
    retireToken: `UPDATE ${n.tokens} SET state = 'retired', ended_at = $2 WHERE jti = $1`,
    /** $1 jti, $2 now. */
    revokeToken: `UPDATE ${n.tokens} SET state = 'revoked', ended_at = $2 WHERE jti = $1`,
    /** $1 sid, $2 now, $3 session expiry, $4 tokens JSON. */
    extendSession: `WITH s AS (
        UPDATE ${n.sessions} SET last_used_at = $2, expires_at = GREATEST(expires_at, $3) WHERE sid = $1
      ) ${insertTokens('$4')}`,
    /** $1 sub. Live sessions of a subject, locked in a fixed order. */
    lockSubject: `SELECT sid FROM ${n.sessions} WHERE sub = $1 AND revoked_at IS NULL ORDER BY sid FOR UPDATE`,
    /**
     * $1 sids, $2 now. Revokes the sessions and their tokens; returns each session revoked now
     * with its horizon: when its longest-lived token expires.
     */
    endSessions: `WITH s AS (
        UPDATE ${n.sessions} SET revoked_at = $2
        WHERE sid = ANY($1::text[]) AND revoked_at IS NULL RETURNING sid, expires_at
      ), t AS (
        UPDATE ${n.tokens} SET state = 'revoked', ended_at = COALESCE(ended_at, $2)
        WHERE sid IN (SELECT sid FROM s) AND state <> 'revoked'
      )
      SELECT s.sid, GREATEST(s.expires_at, (SELECT max(expires_at) FROM ${n.tokens} WHERE sid = s.sid)) AS horizon
      FROM s ORDER BY s.sid`,
    /**
     * $1 lock key, until the transaction ends: `names.revocationLock` (taken last, it makes
     * revocation ids commit in order) or `names.migrationLock`.
     */
    advisoryLock: 'SELECT pg_advisory_xact_lock($1::bigint)',
    /** $1 kind, $2 refs, $3 expiries. */
    logRevocations: `INSERT INTO ${n.revocations} (kind, ref, expires_at)
      SELECT $1, ref, exp FROM unnest($2::text[], $3::bigint[]) AS x(ref, exp)`,
    /** $1 channel, $2 payload. */
    notify: 'SELECT pg_notify($1, $2)',
    /** $1 jti. */
    findToken: `SELECT ${TOKEN_COLUMNS} FROM ${n.tokens} WHERE jti = $1`,
    /** $1 sid. */
    findSession: `SELECT * FROM ${n.sessions} WHERE sid = $1`,
    /** $1 sub, $2 now. */
    listSessions: `SELECT * FROM ${n.sessions} WHERE sub = $1 AND revoked_at IS NULL AND expires_at > $2
      ORDER BY created_at DESC, sid COLLATE "C"`,
    /** $1 jti. */
    tokenTree: `SELECT ${TOKEN_COLUMNS} FROM ${n.tokens}
      WHERE sid = (SELECT sid FROM ${n.tokens} WHERE jti = $1) ${TOKEN_ORDER}`,
    /** $1 jti, $2 sid. */
    isRevoked: `SELECT EXISTS (SELECT 1 FROM ${n.sessions} WHERE sid = $2 AND revoked_at IS NOT NULL)
      OR EXISTS (SELECT 1 FROM ${n.tokens} WHERE jti = $1 AND state = 'revoked') AS revoked`,
    /**
     * $1 cursor, $2 now. One statement, so one snapshot: the last id and the entries agree.
     * Always one row at least (the last id), with a null kind when nothing is new.
     */
    revocationsSince: `WITH top AS (SELECT max(id) AS id FROM ${n.revocations})
      SELECT top.id::text AS last, e.kind, e.ref, e.expires_at
      FROM top LEFT JOIN ${n.revocations} e ON e.id > $1::bigint AND e.id <= top.id AND e.expires_at > $2
      ORDER BY e.id`,
    /** $1 before. Counts deleted tokens and sessions. */
    purge: `WITH t AS (DELETE FROM ${n.tokens} WHERE expires_at < $1 RETURNING 1),
        s AS (DELETE FROM ${n.sessions} WHERE expires_at < $1 RETURNING 1),
        r AS (DELETE FROM ${n.revocations} WHERE expires_at < $1 RETURNING 1)
      SELECT (SELECT count(*) FROM t) + (SELECT count(*) FROM s) AS count`,
    /**
     * `listTokens` with its filters as parameters: the `limit` matches that expire first (the
     * `expires_at` index), returned oldest first.
     */
    listTokens(query: TokenQuery): { text: string; values: unknown[] } {
      const where: string[] = [];
      const values: unknown[] = [];
      const param = (value: unknown): string => `$${values.push(value)}`;
      if (query.sub !== undefined) where.push(`sub = ${param(query.sub)}`);
      if (query.sid !== undefined) where.push(`sid = ${param(query.sid)}`);
      if (query.status === 'active')
        where.push(`state = 'active' AND expires_at > ${param(query.now)}`);
      if (query.status === 'expired') where.push(`expires_at <= ${param(query.now)}`);
      const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
      const limit = param(tokenQueryLimit(query));
      return {
        text: `SELECT * FROM (SELECT ${TOKEN_COLUMNS} FROM ${n.tokens} ${filter}
          ORDER BY expires_at, jti COLLATE "C" LIMIT ${limit}) AS t ${TOKEN_ORDER}`,
        values,
      };
    },
  };
}

export type PostgresTokenStatements = ReturnType<typeof postgresTokenStatements>;

/** Tokens as the JSON parameter of `createSession` and `extendSession`. */
export function tokensJson(tokens: NewTokenRecord[]): string {
  return JSON.stringify(
    tokens.map((t) => ({
      jti: t.jti,
      sid: t.sid,
      sub: t.sub,
      obj: t.obj,
      issued_at: t.issuedAt,
      expires_at: t.expiresAt,
      parent: t.parent ?? null,
    })),
  );
}

export function toToken(row: TokenRow): TokenRecord {
  return {
    jti: row.jti,
    sid: row.sid,
    sub: row.sub,
    obj: row.obj === 'refresh' ? 'refresh' : 'access',
    issuedAt: Number(row.issued_at),
    expiresAt: Number(row.expires_at),
    ...(row.parent !== null && { parent: row.parent }),
    state: row.state as TokenRecord['state'],
    ...(row.ended_at !== null && { endedAt: Number(row.ended_at) }),
  };
}

export function toSession(row: SessionRow): SessionRecord {
  return {
    sid: row.sid,
    sub: row.sub,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    lastUsedAt: Number(row.last_used_at),
    ...(row.user_agent !== null && { userAgent: row.user_agent }),
    ...(row.ip !== null && { ip: row.ip }),
    ...(row.revoked_at !== null && { revokedAt: Number(row.revoked_at) }),
  };
}

/** The entries of a `revocationsSince` answer, and the cursor to continue from. */
export function toRevocationBatch(
  rows: RevocationRow[],
  after: string,
): { cursor: string; entries: RevocationEntry[] } {
  const entries: RevocationEntry[] = [];
  for (const row of rows) {
    if (row.kind === 'token' || row.kind === 'session') {
      entries.push({ kind: row.kind, id: row.ref, expiresAt: Number(row.expires_at) });
    }
  }
  const last = rows[0]?.last;
  const cursor = last !== null && last !== undefined && BigInt(last) > BigInt(after) ? last : after;
  return { cursor, entries };
}
