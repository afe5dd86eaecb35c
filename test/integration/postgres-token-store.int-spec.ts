import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import pg from 'pg';
import { postgresTokenStoreSchema } from '../../lib/stores/postgres-token.schema.js';
import { PostgresTokenStore } from '../../lib/stores/postgres-token.store.js';
import type { NewTokenRecord } from '../../lib/stores/token-store.js';
import { DATABASE_URL, TcpProxy, freePort, withPort, within } from '../utils/private-servers.js';
import { describeTokenStoreContract } from './token-store.contract.js';

// The stores log connection errors, and these tests cause some on purpose.
beforeAll(() => Logger.overrideLogger(false));

/** A unique schema per run, dropped in afterAll. */
const runSchema = (): string => `jwt_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const now = (): number => Math.floor(Date.now() / 1000);

describeTokenStoreContract('PostgresTokenStore', async () => {
  const schema = runSchema();
  const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  const stores: PostgresTokenStore[] = [];
  return {
    shared: true,
    async create() {
      // The race tests queue 50 transactions on one row lock; the default 1 s statement bound
      // is meant for requests, and a loaded 2-core machine can exceed it while they wait.
      const store = new PostgresTokenStore({ url: DATABASE_URL, schema, statementTimeout: 10_000 });
      await store.onModuleInit();
      stores.push(store);
      return store;
    },
    async cleanup() {
      for (const store of stores) await store.onModuleDestroy();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    },
  };
});

describe('PostgresTokenStore on a real PostgreSQL', () => {
  const schemas: string[] = [];
  let admin: pg.Pool;
  beforeAll(() => {
    admin = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
  });
  afterAll(async () => {
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });
  const schema = (): string => {
    const name = runSchema();
    schemas.push(name);
    return name;
  };

  it('migrates once even when several instances start together, and again harmlessly', async () => {
    const name = schema();
    const stores = Array.from(
      { length: 4 },
      () => new PostgresTokenStore({ url: DATABASE_URL, schema: name, tablePrefix: 'auth_' }),
    );
    await Promise.all(stores.map((s) => s.onModuleInit()));
    await stores[0]!.migrate();
    const { rows } = await admin.query(
      `SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename`,
      [name],
    );
    expect(rows.map((r) => r.tablename)).toEqual([
      'auth_revocations',
      'auth_sessions',
      'auth_tokens',
    ]);
    const indexes = await admin.query(`SELECT indexname FROM pg_indexes WHERE schemaname = $1`, [
      name,
    ]);
    expect(indexes.rows.map((r) => r.indexname).sort()).toEqual(
      [
        'auth_revocations_expires_idx',
        'auth_revocations_pkey',
        'auth_sessions_expires_idx',
        'auth_sessions_pkey',
        'auth_sessions_sub_idx',
        'auth_tokens_expires_idx',
        'auth_tokens_pkey',
        'auth_tokens_sid_idx',
        'auth_tokens_sub_idx',
      ].sort(),
    );
    for (const store of stores) await store.onModuleDestroy();
  });

  it('exports its schema, which a user can apply before running with migrate: false and an own pool', async () => {
    const name = schema();
    const sql = postgresTokenStoreSchema(name, 'jwt_');
    expect(sql).toContain(`CREATE TABLE IF NOT EXISTS "${name}"."jwt_tokens"`);
    await admin.query(sql);
    await admin.query(sql); // idempotent
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
    const store = new PostgresTokenStore({
      pool,
      schema: name,
      tablePrefix: 'jwt_',
      migrate: false,
    });
    await store.onModuleInit();
    const sid = randomUUID();
    await store.createSession(
      { sid, sub: 'users:own-pool', createdAt: now(), expiresAt: now() + 60 },
      [],
    );
    expect((await store.findSession(sid))?.sub).toBe('users:own-pool');
    await store.onModuleDestroy();
    expect((await pool.query('SELECT 1 AS one')).rows[0].one).toBe(1); // still open: not ours to end
    await pool.end();
  });

  it('does not create anything with migrate: false', async () => {
    const name = schema();
    const store = new PostgresTokenStore({ url: DATABASE_URL, schema: name, migrate: false });
    await store.onModuleInit();
    await expect(store.findToken('x')).rejects.toThrow(/does not exist/);
    await store.onModuleDestroy();
  });

  it('refuses identifiers it cannot quote safely, and contradictory options', () => {
    expect(
      () => new PostgresTokenStore({ url: DATABASE_URL, schema: 'a"; DROP TABLE x; --' }),
    ).toThrow(/schema/);
    expect(() => new PostgresTokenStore({ url: DATABASE_URL, tablePrefix: 'bad-prefix' })).toThrow(
      /tablePrefix/,
    );
    expect(
      () => new PostgresTokenStore({ url: DATABASE_URL, tablePrefix: 'x'.repeat(50) }),
    ).toThrow(/tablePrefix/);
    expect(() => new PostgresTokenStore({})).toThrow(/pool or a url/);
    expect(() => postgresTokenStoreSchema('public', 'a b')).toThrow(/tablePrefix/);
  });

  it('never lets a reader skip a revocation committed out of id order', async () => {
    const name = schema();
    // Generous timeouts: this checks the cursor, not how fast 150 revocations commit.
    const writers = [0, 1, 2].map(
      () => new PostgresTokenStore({ url: DATABASE_URL, schema: name, statementTimeout: 10_000 }),
    );
    const reader = new PostgresTokenStore({ url: DATABASE_URL, schema: name });
    await Promise.all([...writers, reader].map((s) => s.onModuleInit()));
    const tokens: NewTokenRecord[] = Array.from({ length: 150 }, (_, i) => ({
      jti: randomUUID(),
      sid: `s-${i % 10}`,
      sub: 'users:cursor',
      obj: 'access',
      issuedAt: now(),
      expiresAt: now() + 600,
    }));
    for (let s = 0; s < 10; s++) {
      await writers[0]!.createSession(
        { sid: `s-${s}`, sub: 'users:cursor', createdAt: now(), expiresAt: now() + 600 },
        tokens.filter((t) => t.sid === `s-${s}`),
      );
    }
    const seen = new Set<string>();
    let cursor: string | undefined;
    let writing = true;
    const reading = (async () => {
      while (writing) {
        const batch = await reader.revocationsSince(cursor, now());
        for (const entry of batch.entries) seen.add(entry.id);
        cursor = batch.cursor;
      }
    })();
    const started = Date.now();
    try {
      await Promise.all(tokens.map((t, i) => writers[i % 3]!.revokeToken(t.jti, now())));
    } finally {
      writing = false;
      await reading;
    }
    expect(Date.now() - started).toBeLessThan(10_000);
    const batch = await reader.revocationsSince(cursor, now());
    for (const entry of batch.entries) seen.add(entry.id);
    expect(tokens.filter((t) => !seen.has(t.jti))).toEqual([]);
    for (const store of [...writers, reader]) await store.onModuleDestroy();
  });

  it('fails fast when nothing listens on its port', async () => {
    const store = new PostgresTokenStore({
      url: withPort(DATABASE_URL, await freePort()),
      schema: schema(),
      statementTimeout: 500,
    });
    await store.onModuleInit(); // logs, does not throw
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      await expect(store.isRevoked('a', 'b')).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(700);
    }
    await store.onModuleDestroy();
  });

  it('bounds every call when PostgreSQL hangs, and recovers', async () => {
    const proxy = await TcpProxy.to(DATABASE_URL);
    const store = new PostgresTokenStore({
      url: proxy.url,
      schema: schema(),
      statementTimeout: 300,
    });
    try {
      await store.onModuleInit();
      expect(await store.isRevoked('a', 'b')).toBe(false);
      proxy.freeze();
      for (let i = 0; i < 2; i++) {
        const started = Date.now();
        await expect(store.isRevoked('a', 'b')).rejects.toThrow();
        expect(Date.now() - started).toBeLessThan(1200);
      }
      proxy.thaw();
      await within(3000, () =>
        store.isRevoked('a', 'b').then(
          () => true,
          () => false,
        ),
      );
    } finally {
      await store.onModuleDestroy();
      await proxy.stop();
    }
  });

  it('fails fast while PostgreSQL is unreachable and recovers by itself, notifications included', async () => {
    const proxy = await TcpProxy.to(DATABASE_URL);
    const name = schema();
    const store = new PostgresTokenStore({
      url: proxy.url,
      schema: name,
      statementTimeout: 500,
    });
    const writer = new PostgresTokenStore({ url: DATABASE_URL, schema: name });
    try {
      await store.onModuleInit();
      await writer.onModuleInit();
      let notified = 0;
      await store.watchRevocations(() => notified++);
      const sid = randomUUID();
      await writer.createSession(
        { sid, sub: 'users:outage', createdAt: now(), expiresAt: now() + 600 },
        [],
      );
      expect((await store.findSession(sid))?.sub).toBe('users:outage');

      await proxy.stop();
      const failures: number[] = [];
      for (let i = 0; i < 5; i++) {
        const started = Date.now();
        await expect(store.findSession(sid)).rejects.toThrow();
        failures.push(Date.now() - started);
      }
      expect(Math.max(...failures)).toBeLessThan(1200);

      await proxy.start();
      await within(5000, () =>
        store.findSession(sid).then(
          (s) => s !== undefined,
          () => false,
        ),
      );
      await within(5000, () => notified > 0); // the catch-up call after LISTEN came back
      const before = notified;
      await writer.revokeSession(sid, now());
      await within(2000, () => notified > before);
    } finally {
      await store.onModuleDestroy();
      await writer.onModuleDestroy();
      await proxy.stop();
    }
  });
});
