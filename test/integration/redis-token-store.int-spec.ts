import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { RedisTokenStore } from '../../lib/stores/redis-token.store.js';
import { PrivateRedis, REDIS_URL, freePort, sleep, within } from '../utils/private-servers.js';
import { dropRedisPrefix } from '../utils/store-backends.js';
import {
  HOUR,
  login,
  nowSeconds,
  rotation,
  subject,
  successors,
} from './token-store.contract-kit.js';
import { describeTokenStoreContract } from './token-store.contract.js';

// The stores log connection errors, and these tests cause some on purpose.
beforeAll(() => Logger.overrideLogger(false));

/** A unique prefix per run, so that runs never see each other's keys. */
const runPrefix = (): string => `jwt-security-test:${randomUUID().slice(0, 8)}:`;

describeTokenStoreContract('RedisTokenStore', async () => {
  const prefix = runPrefix();
  const inspector = new Redis(REDIS_URL);
  const stores: RedisTokenStore[] = [];
  return {
    shared: true,
    async create() {
      const store = new RedisTokenStore({ url: REDIS_URL, prefix });
      await store.onModuleInit();
      stores.push(store);
      return store;
    },
    async cleanup() {
      for (const store of stores) await store.onModuleDestroy();
      await dropRedisPrefix(inspector, prefix);
      await inspector.quit();
    },
  };
});

describe('RedisTokenStore on a real Redis', () => {
  const prefix = runPrefix();
  let inspector: Redis;
  beforeAll(() => {
    inspector = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await dropRedisPrefix(inspector, prefix);
    await inspector.quit();
  });

  const now = (): number => Math.floor(Date.now() / 1000);

  it('gives every key it writes a TTL', async () => {
    const store = new RedisTokenStore({ url: REDIS_URL, prefix });
    const sid = randomUUID();
    const refresh = {
      jti: randomUUID(),
      sid,
      sub: 'users:ttl',
      obj: 'refresh' as const,
      issuedAt: now(),
      expiresAt: now() + 600,
    };
    const access = { ...refresh, jti: randomUUID(), obj: 'access' as const, expiresAt: now() + 60 };
    await store.createSession({ sid, sub: 'users:ttl', createdAt: now(), expiresAt: now() + 600 }, [
      refresh,
      access,
    ]);
    const next = { ...refresh, jti: randomUUID(), parent: refresh.jti, expiresAt: now() + 700 };
    await store.rotateRefreshToken({
      jti: refresh.jti,
      sid,
      tokens: [next],
      retire: true,
      sessionExpiresAt: now() + 700,
      now: now(),
    });
    await store.revokeToken(access.jti, now());
    await store.revokeSession(sid, now());
    await store.watchRevocations(() => undefined);
    const keys = await inspector.keys(`${prefix}*`);
    expect(keys.length).toBeGreaterThanOrEqual(10);
    for (const key of keys) {
      const ttl = await inspector.ttl(key);
      expect({ key: key.slice(prefix.length), ttl }).toEqual({
        key: key.slice(prefix.length),
        ttl: expect.any(Number),
      });
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(700);
    }
    await store.onModuleDestroy();
  });

  it('keeps native expiries in step with the records', async () => {
    const store = new RedisTokenStore({ url: REDIS_URL, prefix });
    /** When Redis itself drops the key (seconds since the epoch; negative when it never does). */
    const expiry = async (key: string): Promise<number> =>
      Number(await inspector.call('EXPIRETIME', `${prefix}${key}`));
    try {
      const at = nowSeconds();
      const records = login(subject(), at, { ttl: HOUR, access: 600 });
      const { session, refresh, access } = records;
      await store.createSession(session, [refresh, access]);
      expect(await expiry(`t:${access.jti}`)).toBeCloseTo(at + 600, -1);
      expect(await expiry(`t:${refresh.jti}`)).toBeCloseTo(at + HOUR, -1);
      expect(await expiry(`s:${session.sid}`)).toBeCloseTo(at + HOUR, -1);
      const next = successors(refresh, at, 2 * HOUR);
      await store.rotateRefreshToken(
        rotation(records, at, { tokens: next, sessionExpiresAt: at + 2 * HOUR }),
      );
      expect(await expiry(`s:${session.sid}`)).toBeCloseTo(at + 2 * HOUR, -1);
      expect(await expiry(`t:${next[0]!.jti}`)).toBeCloseTo(at + 2 * HOUR, -1);
      expect(await expiry(`t:${refresh.jti}`)).toBeCloseTo(at + HOUR, -1);
    } finally {
      await store.onModuleDestroy();
    }
  });

  it('keeps records past their expiry for `retention` seconds', async () => {
    const store = new RedisTokenStore({ url: REDIS_URL, prefix, retention: 300 });
    const sid = randomUUID();
    const token = {
      jti: randomUUID(),
      sid,
      sub: 'users:retention',
      obj: 'refresh' as const,
      issuedAt: now() - 100,
      expiresAt: now() - 10,
    };
    await store.createSession(
      { sid, sub: 'users:retention', createdAt: now() - 100, expiresAt: now() - 10 },
      [token],
    );
    expect(await store.listTokens({ sid, status: 'expired', now: now() })).toEqual([
      { ...token, state: 'active' },
    ]);
    expect(await inspector.ttl(`${prefix}t:${token.jti}`)).toBeGreaterThan(250);
    expect(await store.purgeExpired(now())).toBeGreaterThanOrEqual(2);
    expect(await store.findToken(token.jti)).toBeUndefined();
    await store.onModuleDestroy();
  });

  it('never closes a client it was given, and works with a lazy one', async () => {
    const client = new Redis(REDIS_URL, { lazyConnect: true });
    const store = new RedisTokenStore({ client, prefix });
    await store.onModuleInit();
    expect(await store.findToken(randomUUID())).toBeUndefined();
    await store.watchRevocations(() => undefined);
    await store.onModuleDestroy();
    expect(client.status).toBe('ready');
    expect(await client.ping()).toBe('PONG');
    await client.quit();
  });

  it('fails fast when nothing listens on its port', async () => {
    const store = new RedisTokenStore({
      url: `redis://127.0.0.1:${await freePort()}`,
      prefix,
      commandTimeout: 500,
    });
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      await expect(store.isRevoked('a', 'b')).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(700);
    }
    await store.onModuleDestroy();
  });

  it('fails fast while Redis is down and recovers by itself, notifications included', async () => {
    const redis = await PrivateRedis.start();
    const store = new RedisTokenStore({ url: redis.url, prefix, commandTimeout: 500 });
    const writer = new RedisTokenStore({ url: redis.url, prefix });
    try {
      let notified = 0;
      await store.watchRevocations(() => notified++);
      const sid = randomUUID();
      const token = {
        jti: randomUUID(),
        sid,
        sub: 'users:outage',
        obj: 'refresh' as const,
        issuedAt: now(),
        expiresAt: now() + 600,
      };
      await writer.createSession(
        { sid, sub: 'users:outage', createdAt: now(), expiresAt: now() + 600 },
        [token],
      );
      await sleep(100);

      await redis.kill();
      const failures: number[] = [];
      for (let i = 0; i < 5; i++) {
        const started = Date.now();
        await expect(store.findToken(token.jti)).rejects.toThrow();
        failures.push(Date.now() - started);
      }
      expect(Math.max(...failures)).toBeLessThan(700);

      await redis.start();
      // Each client reconnects on its own schedule: wait for both, the writer is used below.
      for (const client of [store, writer]) {
        await within(5000, () =>
          client.findToken(token.jti).then(
            () => true,
            () => false,
          ),
        );
      }
      // The data is gone (no persistence) but the store works again, and so does pub/sub.
      await within(3000, () => notified > 0); // the catch-up call after resubscribing
      const before = notified;
      const sid2 = randomUUID();
      await writer.createSession(
        { sid: sid2, sub: 'users:outage', createdAt: now(), expiresAt: now() + 600 },
        [],
      );
      await writer.revokeSession(sid2, now());
      await within(2000, () => notified > before);
    } finally {
      await store.onModuleDestroy();
      await writer.onModuleDestroy();
      await redis.kill();
    }
  });

  it('bounds every call by commandTimeout when Redis hangs', async () => {
    const redis = await PrivateRedis.start();
    const store = new RedisTokenStore({ url: redis.url, prefix, commandTimeout: 300 });
    try {
      expect(await store.isRevoked('a', 'b')).toBe(false);
      redis.pause();
      const started = Date.now();
      await expect(store.isRevoked('a', 'b')).rejects.toThrow(/300 ms|timed out/);
      expect(Date.now() - started).toBeLessThan(600);
      redis.resume();
      await within(3000, () =>
        store.isRevoked('a', 'b').then(
          () => true,
          () => false,
        ),
      );
    } finally {
      redis.resume();
      await store.onModuleDestroy();
      await redis.kill();
    }
  });

  it('refuses contradictory or invalid options', () => {
    expect(
      () => new RedisTokenStore({ url: REDIS_URL, client: new Redis({ lazyConnect: true }) }),
    ).toThrow(/either/);
    expect(() => new RedisTokenStore({ prefix: '' })).toThrow(/prefix/);
    expect(() => new RedisTokenStore({ commandTimeout: -1 })).toThrow(/commandTimeout/);
  });
});
