import { Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type * as pg from 'pg';
import { RevocationListener, type ListenConnection } from './postgres-token.listener.js';
import { BoundedPool, type Queryable } from './postgres-token.pool.js';
import {
  postgresTokenStoreNames,
  postgresTokenStoreSchema,
  type PostgresTokenStoreNames,
} from './postgres-token.schema.js';
import {
  postgresTokenStatements,
  toRevocationBatch,
  toSession,
  toToken,
  tokensJson,
  type PostgresTokenStatements,
  type RevocationRow,
  type SessionRow,
  type TokenRow,
} from './postgres-token.sql.js';
import { PostgresTokenWrites } from './postgres-token.writes.js';
import { RevocationListeners } from './revocation-listeners.js';
import {
  TokenStore,
  type NewSessionRecord,
  type NewTokenRecord,
  type RevocationBatch,
  type RotateOutcome,
  type RotateRefreshInput,
  type SessionRecord,
  type TokenQuery,
  type TokenRecord,
} from './token-store.js';

/** Options of `PostgresTokenStore`. @publicApi */
export interface PostgresTokenStoreOptions {
  /** A pg `Pool` you own: the store never ends it. */
  pool?: pg.Pool;
  /**
   * A PostgreSQL URL; the store opens its own pool (with `statementTimeout` applied to every
   * statement) and ends it on shutdown.
   * @example 'postgres://app:secret@db.internal:5432/app'
   */
  url?: string;
  /** Schema of the tables, created if missing. Default `'public'`. */
  schema?: string;
  /** Prefix of the table names. Default `'jwt_security_'`. */
  tablePrefix?: string;
  /** Apply the schema (`postgresTokenStoreSchema()`) at start-up. Default `true`. */
  migrate?: boolean;
  /**
   * Milliseconds a statement, or the wait for a connection, may take before the call fails
   * (the module then answers 503). Default `1000`.
   */
  statementTimeout?: number;
  /** Size of the pool the store opens from `url`. Default `10`. */
  poolSize?: number;
  /**
   * Milliseconds between purges of expired rows (`purgeExpired`), run by every instance once
   * started by Nest; `0` turns it off (purge with your own job). Default `3600000` (hourly).
   */
  purgeInterval?: number;
  /**
   * Seconds expired rows are kept before the periodic purge deletes them, e.g. for audits.
   * Default `0`.
   */
  retention?: number;
}

/**
 * A `TokenStore` on PostgreSQL (pg): three tables (sessions, tokens, revocations) that it
 * creates at start-up with an idempotent migration. Rotation and revocation are transactions
 * with row locks, so a refresh token rotates exactly once however many requests race; the
 * revocation log's `bigserial` id is the cursor of `revocationsSince`, and `LISTEN`/`NOTIFY`
 * on a dedicated connection announces new revocations. Parametrised SQL only.
 *
 * @example
 * ```ts
 * JwtSecurityModule.forRoot({
 *   ...keys,
 *   credentials: UsersCredentials,
 *   store: new PostgresTokenStore({ url: process.env.DATABASE_URL, schema: 'auth' }),
 * });
 * // or without start-up DDL: run postgresTokenStoreSchema('auth') in your migrations and
 * // pass { pool, schema: 'auth', migrate: false }
 * ```
 * @publicApi
 */
export class PostgresTokenStore extends TokenStore implements OnModuleInit, OnModuleDestroy {
  /** Channel of the revocation notifications. */
  readonly channel: string;
  private readonly names: PostgresTokenStoreNames;
  private readonly sql: PostgresTokenStatements;
  private readonly writes: PostgresTokenWrites;
  private readonly schema: string;
  private readonly tablePrefix: string;
  private readonly ownsPool: boolean;
  private readonly url?: string;
  private readonly poolSize: number;
  private readonly autoMigrate: boolean;
  private readonly timeout: number;
  private readonly purgeInterval: number;
  private readonly retention: number;
  private readonly logger = new Logger('PostgresTokenStore');
  private readonly listeners = new RevocationListeners();
  private readonly listener: RevocationListener;
  private readonly db: BoundedPool;
  private pool?: pg.Pool;
  private opening?: Promise<pg.Pool>;
  private migrated?: Promise<void>;
  private purgeTimer?: NodeJS.Timeout;
  private closed = false;

  constructor(options: PostgresTokenStoreOptions = {}) {
    super();
    if (options.pool && options.url !== undefined) {
      throw new Error('PostgresTokenStore: give either pool or url, not both');
    }
    if (!options.pool && options.url === undefined)
      throw new Error('PostgresTokenStore: give a pool or a url');
    this.schema = options.schema ?? 'public';
    this.tablePrefix = options.tablePrefix ?? 'jwt_security_';
    this.names = postgresTokenStoreNames(this.schema, this.tablePrefix);
    this.sql = postgresTokenStatements(this.names);
    this.writes = new PostgresTokenWrites(this.sql, this.names);
    this.channel = this.names.channel;
    this.autoMigrate = options.migrate ?? true;
    this.timeout = integer(options.statementTimeout, 1000, 1, 'statementTimeout');
    this.purgeInterval = integer(options.purgeInterval, 3_600_000, 0, 'purgeInterval');
    this.retention = integer(options.retention, 0, 0, 'retention');
    this.poolSize = integer(options.poolSize, 10, 1, 'poolSize');
    this.ownsPool = !options.pool;
    this.pool = options.pool;
    this.url = options.url;
    this.db = new BoundedPool(
      () => this.connection(),
      this.timeout,
      () => this.closed,
    );
    this.listener = new RevocationListener(
      () => this.listenConnection(),
      `LISTEN ${this.names.quotedChannel}`,
      this.channel,
      this.listeners.notify,
    );
  }

  /**
   * Loads pg, applies the schema and starts the periodic purge. A missing pg package stops
   * the start-up; an unreachable database does not: calls fail (503) until it is back.
   */
  async onModuleInit(): Promise<void> {
    await this.connection();
    await this.ready().catch((error: Error) =>
      this.logger.error(`Cannot apply the schema yet, will retry on first use: ${error.message}`),
    );
    if (this.purgeInterval > 0 && !this.purgeTimer && !this.closed) {
      this.purgeTimer = setInterval(() => void this.sweep(), this.purgeInterval);
      this.purgeTimer.unref();
    }
  }

  /** Stops listening and purging and, if the store opened it, ends the pool. */
  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    clearInterval(this.purgeTimer);
    this.listeners.clear();
    this.listener.stop();
    if (!this.ownsPool) return;
    const pool = this.pool ?? (await this.opening?.catch(() => undefined));
    await pool?.end().catch(() => undefined);
  }

  /**
   * Creates the schema, tables and indexes if missing (`postgresTokenStoreSchema()`), under an
   * advisory lock so that instances starting together do not race. Idempotent.
   */
  async migrate(): Promise<void> {
    await this.db.transaction(async (client) => {
      await client.query(this.sql.advisoryLock, [this.names.migrationLock]);
      await client.query(postgresTokenStoreSchema(this.schema, this.tablePrefix));
    }, 30_000);
  }

  async createSession(session: NewSessionRecord, tokens: NewTokenRecord[]): Promise<void> {
    await this.query(this.sql.createSession, [
      session.sid,
      session.sub,
      session.createdAt,
      session.expiresAt,
      session.userAgent ?? null,
      session.ip ?? null,
      tokensJson(tokens),
    ]);
  }

  async rotateRefreshToken(input: RotateRefreshInput): Promise<RotateOutcome> {
    return this.transaction((client) => this.writes.rotate(client, input));
  }

  async findToken(jti: string): Promise<TokenRecord | undefined> {
    const [row] = (await this.query<TokenRow>(this.sql.findToken, [jti])).rows;
    return row && toToken(row);
  }

  async findSession(sid: string): Promise<SessionRecord | undefined> {
    const [row] = (await this.query<SessionRow>(this.sql.findSession, [sid])).rows;
    return row && toSession(row);
  }

  async listSessions(sub: string, now: number): Promise<SessionRecord[]> {
    return (await this.query<SessionRow>(this.sql.listSessions, [sub, now])).rows.map(toSession);
  }

  async listTokens(query: TokenQuery): Promise<TokenRecord[]> {
    const { text, values } = this.sql.listTokens(query);
    return (await this.query<TokenRow>(text, values)).rows.map(toToken);
  }

  async tokenTree(jti: string): Promise<TokenRecord[]> {
    return (await this.query<TokenRow>(this.sql.tokenTree, [jti])).rows.map(toToken);
  }

  async revokeToken(jti: string, now: number, leeway = 0): Promise<boolean> {
    return this.transaction((client) => this.writes.revokeToken(client, jti, now, leeway));
  }

  async revokeSession(sid: string, now: number, leeway = 0): Promise<boolean> {
    return this.transaction((client) => this.writes.revokeSession(client, sid, now, leeway));
  }

  async revokeSubject(sub: string, now: number, leeway = 0): Promise<string[]> {
    return this.transaction((client) => this.writes.revokeSubject(client, sub, now, leeway));
  }

  async isRevoked(jti: string, sid: string): Promise<boolean> {
    const [row] = (await this.query<{ revoked: boolean }>(this.sql.isRevoked, [jti, sid])).rows;
    return row?.revoked === true;
  }

  async revocationsSince(cursor: string | undefined, now: number): Promise<RevocationBatch> {
    const after = cursor !== undefined && /^\d{1,18}$/.test(cursor) ? cursor : '0';
    return toRevocationBatch(
      (await this.query<RevocationRow>(this.sql.revocationsSince, [after, now])).rows,
      after,
    );
  }

  async purgeExpired(before: number): Promise<number> {
    const [row] = (await this.query<{ count: string }>(this.sql.purge, [before])).rows;
    return Number(row?.count ?? 0);
  }

  /**
   * Calls `listener` whenever any instance records a revocation, through `LISTEN` on a
   * dedicated connection that reconnects by itself (and calls the listeners once it is back).
   */
  override async watchRevocations(listener: () => void): Promise<() => Promise<void>> {
    if (this.closed) throw new Error('PostgresTokenStore is closed');
    if (this.listeners.add(listener)) this.listener.start();
    return async () => {
      if (this.listeners.delete(listener)) this.listener.stop();
    };
  }

  /** A new client for LISTEN, with the pool's connection settings. */
  private async listenConnection(): Promise<ListenConnection> {
    const [pool, { Client }] = await Promise.all([this.connection(), loadPg()]);
    const config = {
      ...(pool.options as pg.ClientConfig),
      connectionTimeoutMillis: this.timeout,
      keepAlive: true,
    };
    return new Client(config);
  }

  /** The periodic purge: failures are logged, never thrown. */
  private async sweep(): Promise<void> {
    try {
      await this.purgeExpired(Math.floor(Date.now() / 1000) - this.retention);
    } catch (error) {
      this.logger.warn(
        `Periodic purge failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  /** The schema, applied once (when `migrate` is on); a failure is retried on the next call. */
  private ready(): Promise<void> {
    if (!this.autoMigrate) return Promise.resolve();
    this.migrated ??= this.migrate().catch((error: unknown) => {
      this.migrated = undefined;
      throw error;
    });
    return this.migrated;
  }

  private async query<R extends pg.QueryResultRow>(
    text: string,
    values: unknown[],
  ): Promise<pg.QueryResult<R>> {
    await this.ready();
    return this.db.query<R>(text, values);
  }

  private async transaction<T>(work: (client: Queryable) => Promise<T>): Promise<T> {
    await this.ready();
    return this.db.transaction(work);
  }

  /** The pool; the one the store opens is created on first use. */
  private connection(): Promise<pg.Pool> {
    if (this.pool) return Promise.resolve(this.pool);
    this.opening ??= loadPg().then(
      ({ Pool }) => {
        const pool = new Pool({
          connectionString: this.url,
          max: this.poolSize,
          connectionTimeoutMillis: this.timeout,
          statement_timeout: this.timeout,
          idleTimeoutMillis: 30_000,
          keepAlive: true,
        });
        pool.on('error', (error) => this.logger.warn(`Idle connection lost: ${error.message}`));
        this.pool = pool;
        return pool;
      },
      (error: unknown) => {
        throw new Error(
          `PostgresTokenStore needs the pg package (npm install pg): ${String(error)}`,
        );
      },
    );
    return this.opening;
  }
}

interface PgModule {
  Pool: typeof pg.Pool;
  Client: typeof pg.Client;
}

/** pg, loaded on first use: it is an optional peer dependency. */
async function loadPg(): Promise<PgModule> {
  const mod = (await import('pg')) as unknown as Partial<PgModule> & { default?: PgModule };
  return mod.Pool && mod.Client ? { Pool: mod.Pool, Client: mod.Client } : mod.default!;
}

function integer(value: number | undefined, fallback: number, min: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`PostgresTokenStore: ${name} must be an integer >= ${min}`);
  }
  return value;
}
