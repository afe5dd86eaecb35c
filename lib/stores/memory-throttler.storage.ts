/** What a throttler storage answers for one hit (the shape @nestjs/throttler uses). @publicApi */
export interface ThrottlerStorageRecord {
  totalHits: number;
  /** Seconds until the window ends. */
  timeToExpire: number;
  isBlocked: boolean;
  /** Seconds until the block ends (0 when not blocked). */
  timeToBlockExpire: number;
}

/**
 * Counters of the login throttle. The `increment()` contract is @nestjs/throttler's
 * `ThrottlerStorage` (times in milliseconds), so a storage written for `ThrottlerModule` only
 * needs a `reset()` to serve here, and these storages serve `ThrottlerModule` too.
 *
 * @publicApi
 */
export interface ResettableThrottlerStorage {
  increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord>;
  /** Forgets the hits and the block of `key` (a successful login). */
  reset(key: string): Promise<void>;
}

interface Entry {
  hits: number;
  windowEndsAt: number;
  blockedUntil: number;
}

/**
 * In-process throttle counters: a fixed window per key, then a block once over the limit.
 * Entries expire lazily and in a sweep driven by one `unref()`'d timer.
 *
 * @publicApi
 */
export class MemoryThrottlerStorage implements ResettableThrottlerStorage {
  private readonly entries = new Map<string, Entry>();
  private readonly timer: NodeJS.Timeout;

  constructor(sweepInterval = 60_000) {
    this.timer = setInterval(() => this.sweep(Date.now()), sweepInterval);
    this.timer.unref();
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    _throttlerName?: string,
  ): Promise<ThrottlerStorageRecord> {
    const now = Date.now();
    let entry = this.entries.get(key);
    if (!entry || (entry.windowEndsAt <= now && entry.blockedUntil <= now)) {
      entry = { hits: 0, windowEndsAt: now + ttl, blockedUntil: 0 };
      this.entries.set(key, entry);
    }
    if (entry.blockedUntil <= now) {
      entry.hits += 1;
      if (entry.hits > limit) entry.blockedUntil = now + blockDuration;
    }
    const blocked = entry.blockedUntil > now;
    return {
      totalHits: entry.hits,
      timeToExpire: Math.max(0, Math.ceil((entry.windowEndsAt - now) / 1000)),
      isBlocked: blocked,
      timeToBlockExpire: blocked ? Math.ceil((entry.blockedUntil - now) / 1000) : 0,
    };
  }

  async reset(key: string): Promise<void> {
    this.entries.delete(key);
  }

  /** Stops the sweep timer. */
  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private sweep(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.windowEndsAt <= now && entry.blockedUntil <= now) this.entries.delete(key);
    }
  }
}
