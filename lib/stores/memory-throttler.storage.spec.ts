import { jest } from '@jest/globals';
import { ThrottlerStorageService } from '@nestjs/throttler/dist/throttler.service.js';
import { MemoryThrottlerStorage } from './memory-throttler.storage.js';

// What every login-throttle storage does: test/integration/throttler-storage.int-spec.ts.
describe('MemoryThrottlerStorage', () => {
  let storage: MemoryThrottlerStorage;
  beforeEach(() => {
    storage = new MemoryThrottlerStorage();
  });
  afterEach(() => storage.onApplicationShutdown());

  it("is @nestjs/throttler's own storage service, usable by ThrottlerModule", () => {
    expect(storage).toBeInstanceOf(ThrottlerStorageService);
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
