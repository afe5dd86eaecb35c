import type { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface.js';
// The storage service alone: the package's index would also load its guard and module.
import { ThrottlerStorageService } from '@nestjs/throttler/dist/throttler.service.js';

export type { ThrottlerStorageRecord };

/**
 * Counters of the login throttle: @nestjs/throttler's `ThrottlerStorage` (times in
 * milliseconds), plus `reset()`, which a successful login calls for its login name. A storage
 * written for `ThrottlerModule` serves here once it has a `reset()`, and the module's storages
 * serve `ThrottlerModule` too.
 *
 * @publicApi
 */
export interface ResettableThrottlerStorage extends ThrottlerStorage {
  /** Forgets the hits and the block of `key` (a successful login). */
  reset(key: string): Promise<void>;
}

interface Generation {
  /** Bumped by each reset: the key's hits go to a record of that generation. */
  current: number;
  /** Milliseconds: when every record of every generation of the key has expired. */
  until: number;
}

const PRUNE_EVERY_MS = 60_000;

/**
 * In-process login-throttle counters: @nestjs/throttler's own `ThrottlerStorageService` does the
 * counting, the blocking and the sweep. `reset()` moves a key to a new generation, so that its
 * next hit starts a fresh record; the old record expires in the service's sweep, and the
 * generation table forgets a key once all its records have expired.
 *
 * @publicApi
 */
export class MemoryThrottlerStorage
  extends ThrottlerStorageService
  implements ResettableThrottlerStorage
{
  private readonly generations = new Map<string, Generation>();
  private lastPrune = Date.now();

  override increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const now = Date.now();
    if (now - this.lastPrune > PRUNE_EVERY_MS) this.prune(now);
    let generation = this.generations.get(key);
    if (!generation || generation.until <= now) {
      generation = { current: 0, until: 0 };
      this.generations.set(key, generation);
    }
    // A blocked record lives on until its block ends, however late its last hit came.
    generation.until = Math.max(generation.until, now + ttl + Math.max(blockDuration, 0));
    const physical = generation.current === 0 ? key : `${key}#${generation.current}`;
    return super.increment(physical, ttl, limit, blockDuration, throttlerName);
  }

  async reset(key: string): Promise<void> {
    const generation = this.generations.get(key);
    if (generation && generation.until > Date.now()) generation.current += 1;
  }

  override onApplicationShutdown(): void {
    super.onApplicationShutdown();
    this.generations.clear();
  }

  private prune(now: number): void {
    this.lastPrune = now;
    for (const [key, generation] of this.generations) {
      if (generation.until <= now) this.generations.delete(key);
    }
  }
}
