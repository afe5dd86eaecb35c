import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { PostgresTokenStore, RedisTokenStore, type TokenStore } from 'nest-jwt-security';
import { request, type HttpAnswer } from './http-app.js';
import { AUTH, expectStatus, login } from './jwt-e2e.js';
import { DATABASE_URL, REDIS_URL, within } from './private-servers.js';

/** The shared stores the end-to-end suites run on. */
export const SHARED_BACKENDS = ['redis', 'postgres'] as const;
export type SharedBackend = (typeof SHARED_BACKENDS)[number];

/**
 * One namespace (a Redis key prefix or a PostgreSQL schema) on a shared server: every store
 * made from it sees the same data, as the instances of one app do. `drop()` deletes it all.
 */
export interface StoreNamespace {
  backend: SharedBackend;
  /**
   * A new store over this namespace; `url` overrides the server (a private one, a proxy),
   * `timeout` the store's own bound on each call (`commandTimeout` / `statementTimeout`, ms).
   */
  store(options?: { url?: string; timeout?: number }): TokenStore;
  drop(): Promise<void>;
}

export function storeNamespace(backend: SharedBackend): StoreNamespace {
  const id = randomUUID().replace(/-/g, '').slice(0, 12);
  if (backend === 'redis') {
    const prefix = `jwt-security-e2e:${id}:`;
    return {
      backend,
      store: (options = {}) =>
        new RedisTokenStore({
          url: options.url ?? REDIS_URL,
          prefix,
          ...(options.timeout !== undefined && { commandTimeout: options.timeout }),
        }),
      async drop() {
        const client = new Redis(REDIS_URL);
        await dropRedisPrefix(client, prefix);
        await client.quit();
      },
    };
  }
  const schema = `jwt_e2e_${id}`;
  return {
    backend,
    store: (options = {}) =>
      new PostgresTokenStore({
        url: options.url ?? DATABASE_URL,
        schema,
        ...(options.timeout !== undefined && { statementTimeout: options.timeout }),
      }),
    async drop() {
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}

/** Deletes every key under `prefix`, in steps (SCAN), on the database `client` is on. */
export async function dropRedisPrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await client.del(...keys);
  } while (cursor !== '0');
}

/** Sends `send` until `accept` holds; the elapsed ms, or a failure naming the last answer. */
export async function until(
  boundMs: number,
  send: () => Promise<HttpAnswer>,
  accept: (answer: HttpAnswer) => boolean,
): Promise<number> {
  let last: HttpAnswer | undefined;
  return within(
    boundMs,
    async () => accept((last = await send())),
    () => `still ${last?.status} ${JSON.stringify(last?.body)}`,
  );
}

/**
 * The end of an outage suite: guarded routes, then login, answer 200 again within `boundMs` by
 * themselves, and a new login's refresh token refreshes.
 */
export async function expectRecovery(
  url: string,
  accessToken: string,
  boundMs: number,
): Promise<void> {
  const credentials = { login: 'user1', password: 'passwd' };
  await until(
    boundMs,
    () => request(`${url}/protected`, { token: accessToken }),
    (a) => a.status === 200,
  );
  await until(
    boundMs,
    () => request(`${url}${AUTH}/login`, { method: 'POST', json: credentials }),
    (a) => a.status === 200,
  );
  // A refresh that timed out may have been applied once the bytes flowed: use a new login.
  const again = await login(url, credentials.login, credentials.password);
  expectStatus(
    await request(`${url}${AUTH}/refresh`, { method: 'POST', token: again.refreshToken }),
    200,
  );
}
