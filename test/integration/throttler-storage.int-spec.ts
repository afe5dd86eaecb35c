import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { ResettableThrottlerStorage } from '../../lib/stores/memory-throttler.storage.js';
import { MemoryThrottlerStorage } from '../../lib/stores/memory-throttler.storage.js';
import { RedisTokenStore } from '../../lib/stores/redis-token.store.js';
import { REDIS_URL, sleep } from '../utils/private-servers.js';
import { dropRedisPrefix } from '../utils/store-backends.js';

beforeAll(() => Logger.overrideLogger(false));

/** A storage under test and how to let it go. */
interface StorageHarness {
  storage: ResettableThrottlerStorage;
  close(): Promise<void>;
}

/**
 * The login throttle's counters behave the same whichever storage holds them: the in-process
 * one (@nestjs/throttler's own service) and the Redis one a `RedisTokenStore` makes.
 */
describe.each([
  [
    'MemoryThrottlerStorage',
    async (): Promise<StorageHarness> => {
      const storage = new MemoryThrottlerStorage();
      return { storage, close: async () => storage.onApplicationShutdown() };
    },
  ],
  [
    'RedisThrottlerStorage',
    async (): Promise<StorageHarness> => {
      const prefix = `jwt-security-test:${randomUUID().slice(0, 8)}:`;
      const store = new RedisTokenStore({ url: REDIS_URL, prefix });
      await store.onModuleInit();
      return {
        storage: store.createThrottlerStorage(),
        async close() {
          await store.onModuleDestroy();
          const inspector = new Redis(REDIS_URL);
          await dropRedisPrefix(inspector, prefix);
          await inspector.quit();
        },
      };
    },
  ],
] as const)('login-throttle storage contract: %s', (_name, make) => {
  let harness: StorageHarness;
  let storage: ResettableThrottlerStorage;
  beforeAll(async () => {
    harness = await make();
    storage = harness.storage;
  });
  afterAll(() => harness?.close());
  /** A key of each test's own: the storage lives through the whole suite. */
  const key = (): string => randomUUID();

  it('counts hits in a window and blocks once over the limit', async () => {
    const k = key();
    const hits = [];
    for (let i = 0; i < 4; i++) hits.push(await storage.increment(k, 60_000, 3, 30_000, 'n'));
    expect(hits.map((h) => h.isBlocked)).toEqual([false, false, false, true]);
    expect(hits.map((h) => h.totalHits)).toEqual([1, 2, 3, 4]);
    expect(hits[3]!.timeToBlockExpire).toBe(30);
    expect(hits[0]!.timeToExpire).toBe(60);
  });

  it('keeps a key blocked, without counting, until the block ends', async () => {
    const k = key();
    for (let i = 0; i < 3; i++) await storage.increment(k, 60_000, 1, 60_000, 'n');
    expect(await storage.increment(k, 60_000, 1, 60_000, 'n')).toMatchObject({
      isBlocked: true,
      totalHits: 2,
    });
  });

  it('starts afresh once a block shorter than the window has ended', async () => {
    const k = key();
    await storage.increment(k, 60_000, 1, 50, 'n');
    expect((await storage.increment(k, 60_000, 1, 50, 'n')).isBlocked).toBe(true);
    await sleep(100);
    expect(await storage.increment(k, 60_000, 1, 50, 'n')).toMatchObject({
      isBlocked: false,
      totalHits: 1,
    });
  });

  it('starts a new window once the old one and the block are over', async () => {
    const k = key();
    await storage.increment(k, 50, 1, 50, 'n');
    expect((await storage.increment(k, 50, 1, 50, 'n')).isBlocked).toBe(true);
    await sleep(100);
    expect(await storage.increment(k, 50, 1, 50, 'n')).toMatchObject({
      isBlocked: false,
      totalHits: 1,
    });
  });

  it('forgets a key on reset, lifting its block; other keys and unknown keys are untouched', async () => {
    const [a, b, never] = [key(), key(), key()];
    for (let i = 0; i < 3; i++) await storage.increment(a, 60_000, 1, 60_000, 'n');
    await storage.increment(b, 60_000, 1, 60_000, 'n');
    await storage.increment(b, 60_000, 1, 60_000, 'n');
    await storage.reset(a);
    await storage.reset(never);
    expect(await storage.increment(a, 60_000, 1, 60_000, 'n')).toMatchObject({
      isBlocked: false,
      totalHits: 1,
    });
    expect((await storage.increment(b, 60_000, 1, 60_000, 'n')).isBlocked).toBe(true);
    expect(await storage.increment(never, 60_000, 1, 60_000, 'n')).toMatchObject({
      isBlocked: false,
      totalHits: 1,
    });
  });
});
