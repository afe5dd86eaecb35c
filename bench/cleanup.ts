import { Redis } from 'ioredis';
import pg from 'pg';
import { settings } from './config.js';
import { jwtClaims } from './keys.js';
import type { StoreKind } from './scenarios.js';

/**
 * The sample offers no key prefix / table prefix variable, so it writes under the stores'
 * defaults (`jwt-security:` keys, `public.jwt_security_*` tables). This removes what the run
 * added there: keys and tables that did not exist before are dropped; in pre-existing ones,
 * only the sessions and tokens the run made are deleted.
 */
export class StoreJanitor {
  private readonly ids: Record<StoreKind, { sids: Set<string>; jtis: Set<string> }> = {
    redis: { sids: new Set(), jtis: new Set() },
    postgres: { sids: new Set(), jtis: new Set() },
  };
  private redisKeysBefore?: Set<string>;
  private tablesBefore?: boolean;
  private readonly prefix = 'jwt-security:';
  private readonly tables = ['tokens', 'sessions', 'revocations'].map(
    (name) => `public.jwt_security_${name}`,
  );

  /** Records what exists before the run; returns the stores that answered. */
  async snapshot(warn: (message: string) => void): Promise<StoreKind[]> {
    const available: StoreKind[] = [];
    try {
      this.redisKeysBefore = new Set(await this.withRedis((redis) => this.scan(redis)));
      available.push('redis');
    } catch (error) {
      warn(`Redis at ${settings.redisUrl} unavailable, its rows are skipped: ${describe(error)}`);
    }
    try {
      this.tablesBefore = await this.withPg((client) => this.tablesExist(client));
      available.push('postgres');
    } catch (error) {
      warn(
        `PostgreSQL at ${settings.postgresUrl} unavailable, its rows are skipped: ${describe(error)}`,
      );
    }
    return available;
  }

  /** Remembers the session and token ids of a token issued by a store-backed sample. */
  track(store: StoreKind, token: string): void {
    const claims = jwtClaims(token);
    if (typeof claims.sid === 'string') this.ids[store].sids.add(claims.sid);
    if (typeof claims.jti === 'string') this.ids[store].jtis.add(claims.jti);
  }

  private cleaning?: Promise<string[]>;

  /** Removes what the run added (once; later calls return the same notes). */
  clean(): Promise<string[]> {
    this.cleaning ??= this.cleanOnce();
    return this.cleaning;
  }

  private async cleanOnce(): Promise<string[]> {
    const notes: string[] = [];
    if (this.redisKeysBefore) notes.push(await this.cleanRedis(this.redisKeysBefore));
    if (this.tablesBefore !== undefined) notes.push(await this.cleanPg(this.tablesBefore));
    return notes;
  }

  private async cleanRedis(before: Set<string>): Promise<string> {
    const { sids, jtis } = this.ids.redis;
    return this.withRedis(async (redis) => {
      const now = await this.scan(redis);
      const added = now.filter((key) => !before.has(key));
      if (added.length > 0) await redis.del(...added);
      let members = 0;
      for (const key of now.filter((k) => before.has(k))) {
        if ((await redis.type(key)) !== 'zset') continue;
        const all = await redis.zrange(key, '0', '-1');
        const ours = all.filter(
          (m) => sids.has(m) || jtis.has(m) || [...sids].some((s) => m.endsWith(`|${s}`)),
        );
        if (ours.length > 0) members += await redis.zrem(key, ...ours);
      }
      return (
        `Redis: removed ${added.length} ${this.prefix}* keys added by the run` +
        (members ? ` and ${members} members` : '')
      );
    });
  }

  private async cleanPg(existed: boolean): Promise<string> {
    const sids = [...this.ids.postgres.sids];
    const refs = [...sids, ...this.ids.postgres.jtis];
    return this.withPg(async (client) => {
      if (!(await this.tablesExist(client))) return 'PostgreSQL: nothing to clean';
      const [tokens, sessions, revocations] = this.tables as [string, string, string];
      await client.query(`DELETE FROM ${tokens} WHERE sid = ANY($1::text[])`, [sids]);
      await client.query(`DELETE FROM ${sessions} WHERE sid = ANY($1::text[])`, [sids]);
      await client.query(`DELETE FROM ${revocations} WHERE ref = ANY($1::text[])`, [refs]);
      if (existed) return `PostgreSQL: deleted the run's ${sids.length} sessions`;
      const counts: number[] = [];
      for (const table of this.tables) {
        counts.push(Number((await client.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n));
      }
      if (counts.some((n) => n > 0))
        return 'PostgreSQL: tables kept (another client wrote to them)';
      await client.query(`DROP TABLE IF EXISTS ${this.tables.join(', ')}`);
      return 'PostgreSQL: dropped the jwt_security_* tables the run created';
    });
  }

  /** Whether the store's tables exist (its sessions table stands for the three). */
  private async tablesExist(client: pg.Client): Promise<boolean> {
    const result = await client.query<{ found: string | null }>(
      `SELECT to_regclass('public.jwt_security_sessions')::text AS found`,
    );
    return result.rows[0]?.found !== null;
  }

  private async scan(redis: Redis): Promise<string[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys;
  }

  private async withRedis<T>(work: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = new Redis(settings.redisUrl, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      retryStrategy: () => null,
    });
    try {
      await redis.connect();
      return await work(redis);
    } finally {
      redis.disconnect();
    }
  }

  private async withPg<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({
      connectionString: settings.postgresUrl,
      connectionTimeoutMillis: 2000,
    });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
