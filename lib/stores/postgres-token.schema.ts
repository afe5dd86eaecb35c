import { createHash } from 'node:crypto';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** PostgreSQL truncates identifiers longer than this many bytes. */
const MAX_IDENTIFIER = 63;
/** The longest name the schema derives from the table prefix. */
const LONGEST_SUFFIX = 'revocations_expires_idx';

/** Quoted, validated names of the store's tables, indexes and notification channel. */
export interface PostgresTokenStoreNames {
  schema: string;
  sessions: string;
  tokens: string;
  revocations: string;
  /** Channel of LISTEN/NOTIFY, unquoted (for `pg_notify`) and quoted (for `LISTEN`). */
  channel: string;
  quotedChannel: string;
  /** Keys of the transaction-level advisory locks (as decimal strings for `::bigint`). */
  revocationLock: string;
  migrationLock: string;
  /** Names of the indexes, unquoted, as `indexName(suffix)` gives them. */
  indexName(suffix: string): string;
}

/** Checks the schema name and table prefix and derives every name from them. */
export function postgresTokenStoreNames(
  schema: string,
  tablePrefix: string,
): PostgresTokenStoreNames {
  if (typeof schema !== 'string' || !IDENTIFIER.test(schema) || schema.length > MAX_IDENTIFIER) {
    throw new Error(
      'PostgresTokenStore: schema must be an identifier ([A-Za-z_][A-Za-z0-9_]*, at most 63 characters)',
    );
  }
  if (
    typeof tablePrefix !== 'string' ||
    (tablePrefix !== '' && !IDENTIFIER.test(tablePrefix)) ||
    tablePrefix.length + LONGEST_SUFFIX.length > MAX_IDENTIFIER
  ) {
    throw new Error(
      `PostgresTokenStore: tablePrefix must be empty or an identifier of at most ${MAX_IDENTIFIER - LONGEST_SUFFIX.length} characters`,
    );
  }
  const digest = createHash('sha1').update(`${schema}.${tablePrefix}`).digest();
  const channel = `jwt_security_${digest.toString('hex').slice(0, 16)}`;
  const table = (name: string): string => `${quote(schema)}.${quote(`${tablePrefix}${name}`)}`;
  return {
    schema: quote(schema),
    sessions: table('sessions'),
    tokens: table('tokens'),
    revocations: table('revocations'),
    channel,
    quotedChannel: quote(channel),
    revocationLock: digest.readBigInt64BE(0).toString(),
    migrationLock: digest.readBigInt64BE(8).toString(),
    indexName: (suffix) => `${tablePrefix}${suffix}`,
  };
}

/**
 * The DDL of `PostgresTokenStore`: an idempotent migration (`IF NOT EXISTS` everywhere) that
 * creates the schema, the three tables and an index for every query the store runs. The store
 * applies it at start-up unless `migrate: false`; run it yourself with your migration tool
 * otherwise. Times are seconds since the epoch (`bigint`), as in the `TokenStore` interface.
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * writeFileSync('migrations/001_jwt_security.sql', postgresTokenStoreSchema('auth', 'jwt_'));
 * ```
 * @publicApi
 */
export function postgresTokenStoreSchema(schema = 'public', tablePrefix = 'jwt_security_'): string {
  const n = postgresTokenStoreNames(schema, tablePrefix);
  const index = (suffix: string, table: string, columns: string): string =>
    `CREATE INDEX IF NOT EXISTS ${quote(n.indexName(suffix))} ON ${table} (${columns});`;
  return `CREATE SCHEMA IF NOT EXISTS ${n.schema};

CREATE TABLE IF NOT EXISTS ${n.sessions} (
  sid          text PRIMARY KEY,
  sub          text NOT NULL,
  created_at   bigint NOT NULL,
  last_used_at bigint NOT NULL,
  expires_at   bigint NOT NULL,
  user_agent   text,
  ip           text,
  revoked_at   bigint
);
${index('sessions_sub_idx', n.sessions, 'sub, created_at DESC')}
${index('sessions_expires_idx', n.sessions, 'expires_at')}

CREATE TABLE IF NOT EXISTS ${n.tokens} (
  jti        text PRIMARY KEY,
  sid        text NOT NULL,
  sub        text NOT NULL,
  obj        text NOT NULL CHECK (obj IN ('access', 'refresh')),
  issued_at  bigint NOT NULL,
  expires_at bigint NOT NULL,
  parent     text,
  state      text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'retired', 'revoked')),
  ended_at   bigint
);
${index('tokens_sid_idx', n.tokens, 'sid')}
${index('tokens_sub_idx', n.tokens, 'sub')}
${index('tokens_expires_idx', n.tokens, 'expires_at')}

CREATE TABLE IF NOT EXISTS ${n.revocations} (
  id         bigserial PRIMARY KEY,
  kind       text NOT NULL CHECK (kind IN ('token', 'session')),
  ref        text NOT NULL,
  expires_at bigint NOT NULL
);
${index('revocations_expires_idx', n.revocations, 'expires_at')}
`;
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}
