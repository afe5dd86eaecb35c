import { jest } from '@jest/globals';
import { ThrottlerStorageService } from '@nestjs/throttler/dist/throttler.service.js';
import { MemoryThrottlerStorage } from './memory-throttler.storage.js';

describe('MemoryThrottlerStorage', () => {
  let storage: MemoryThrottlerStorage;
  beforeEach(() => {
    storage = new MemoryThrottlerStorage();
  });
  afterEach(() => storage.onApplicationShutdown());

  it('counts hits in a window and blocks once over the limit', async () => {
    const hits = [];
    for (let i = 0; i < 4; i++) hits.push(await storage.increment('k', 60_000, 3, 30_000, 'n'));
    expect(hits.map((h) => h.isBlocked)).toEqual([false, false, false, true]);
    expect(hits[3]!.timeToBlockExpire).toBe(30);
    expect(hits[0]!.timeToExpire).toBe(60);
  });

  it('keeps a key blocked, without counting, until the block ends', async () => {
    for (let i = 0; i < 3; i++) await storage.increment('k', 60_000, 1, 60_000, 'n');
    const record = await storage.increment('k', 60_000, 1, 60_000, 'n');
    expect(record).toMatchObject({ isBlocked: true, totalHits: 2 });
  });

  it('starts a new window once the old one and the block are over', async () => {
    await storage.increment('k', 20, 1, 20, 'n');
    expect((await storage.increment('k', 20, 1, 20, 'n')).isBlocked).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(await storage.increment('k', 20, 1, 20, 'n')).toMatchObject({
      isBlocked: false,
      totalHits: 1,
    });
  });

  it('forgets a key on reset, and keys are independent', async () => {
    await storage.increment('a', 60_000, 1, 60_000, 'n');
    await storage.increment('a', 60_000, 1, 60_000, 'n');
    await storage.increment('b', 60_000, 1, 60_000, 'n');
    await storage.reset('a');
    expect(await storage.increment('a', 60_000, 1, 60_000, 'n')).toMatchObject({
      isBlocked: false,
      totalHits: 1,
    });
    expect((await storage.increment('b', 60_000, 1, 60_000, 'n')).isBlocked).toBe(true);
  });

  it("is @nestjs/throttler's own storage service, usable by ThrottlerModule", () => {
    expect(storage).toBeInstanceOf(ThrottlerStorageService);
  });

  it('lifts a block on reset, and a reset of an unknown key does nothing', async () => {
    for (let i = 0; i < 3; i++) await storage.increment('k', 60_000, 1, 60_000, 'n');
    await storage.reset('k');
    await storage.reset('never-seen');
    expect(await storage.increment('k', 60_000, 1, 60_000, 'n')).toMatchObject({
      isBlocked: false,
      totalHits: 1,
    });
    expect(await storage.increment('never-seen', 60_000, 1, 60_000, 'n')).toMatchObject({
      totalHits: 1,
    });
  });

  it('forgets keys whose records have all expired (bounded)', async () => {
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now);
    try {
      for (let i = 0; i < 100; i++) await storage.increment(`k${i}`, 1_000, 5, 1_000, 'n');
      await storage.reset('k0');
      clock.mockReturnValue(now + 120_000);
      await storage.increment('late', 1_000, 5, 1_000, 'n');
      const generations = (storage as unknown as { generations: Map<string, unknown> }).generations;
      expect([...generations.keys()]).toEqual(['late']);
    } finally {
      clock.mockRestore();
    }
  });
});
