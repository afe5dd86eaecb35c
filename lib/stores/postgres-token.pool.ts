import type * as pg from 'pg';

/** A connection whose every statement has a client-side read timeout. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

/**
 * Runs the store's statements on a pg pool, every step bounded: the wait for a connection, each
 * statement (server-side `statement_timeout`, and a client-side read timeout for connections
 * that die silently). A connection that broke is discarded, never reused. Only types come
 * from pg here: the store loads the package.
 */
export class BoundedPool {
  constructor(
    private readonly pool: () => Promise<pg.Pool>,
    /** Milliseconds for a connection and for each statement. */
    private readonly timeout: number,
    private readonly isClosed: () => boolean,
  ) {}

  /** One statement, outside any transaction. */
  async query<R extends pg.QueryResultRow>(
    text: string,
    values: unknown[],
  ): Promise<pg.QueryResult<R>> {
    const client = await this.acquire();
    try {
      const result = await client.query<R>(config(text, values, this.timeout));
      release(client);
      return result;
    } catch (error) {
      release(client, serverError(error) ? undefined : error);
      throw error;
    }
  }

  /** Runs `work` in a transaction whose statements time out after `timeout`; failures roll back. */
  async transaction<T>(
    work: (client: Queryable) => Promise<T>,
    timeout = this.timeout,
  ): Promise<T> {
    const client = await this.acquire();
    const bounded: Queryable = {
      query: <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) =>
        client.query<R>(config(text, values, timeout)),
    };
    try {
      await bounded.query('BEGIN');
      await bounded.query('SELECT set_config($1, $2, true)', [
        'statement_timeout',
        String(timeout),
      ]);
      const result = await work(bounded);
      await bounded.query('COMMIT');
      release(client);
      return result;
    } catch (error) {
      const clean = await client.query('ROLLBACK').then(
        () => true,
        () => false,
      );
      release(client, clean && serverError(error) ? undefined : error);
      throw error;
    }
  }

  /** A pool connection within `timeout`; one that arrives too late goes back. */
  private async acquire(): Promise<pg.PoolClient> {
    if (this.isClosed()) throw new Error('PostgresTokenStore is closed');
    const pool = await this.pool();
    return new Promise((resolve, reject) => {
      let late = false;
      const timer = setTimeout(() => {
        late = true;
        reject(new Error(`No PostgreSQL connection within ${this.timeout} ms`));
      }, this.timeout);
      pool.connect().then(
        (client) => {
          clearTimeout(timer);
          if (late) return client.release();
          // While checked out, a dropped connection emits 'error' with nobody listening.
          client.on('error', ignore);
          resolve(client);
        },
        (error: unknown) => {
          clearTimeout(timer);
          if (!late) reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }
}

/** A statement with a client-side read timeout a little above the server-side one. */
function config(text: string, values: unknown[], timeout: number): pg.QueryConfig {
  return { text, values, query_timeout: timeout + 500 } as pg.QueryConfig;
}

function ignore(): void {}

/** An error PostgreSQL answered with (it has a SQLSTATE): the connection itself is fine. */
function serverError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

/** Gives a connection back to the pool; after a failure, the pool discards it. */
function release(client: pg.PoolClient, error?: unknown): void {
  client.off('error', ignore);
  if (error === undefined) client.release();
  else client.release(error instanceof Error ? error : true);
}
