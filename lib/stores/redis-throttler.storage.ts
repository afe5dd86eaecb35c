import type {
  ResettableThrottlerStorage,
  ThrottlerStorageRecord,
} from './memory-throttler.storage.js';
import type { RedisConnection } from './redis-token.connection.js';

/**
 * One atomic step of a counter: a fixed window of `ttl` ms, then a block of `blockDuration` ms
 * once over `limit`; a new window starts when the last one is over or, as in @nestjs/throttler's
 * storage, when a block ends. Times come from the Redis server, so every instance agrees.
 * KEYS[1] counter; ARGV ttl, limit, blockDuration. Returns { hits, ms to window end, ms to unblock }.
 */
const INCREMENT = `
local k = KEYS[1]
local ttl, limit, block = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local h = redis.call('HMGET', k, 'hits', 'ends', 'blocked')
local hits, ends, blocked = tonumber(h[1]) or 0, tonumber(h[2]) or 0, tonumber(h[3]) or 0
local over = (blocked > 0 and blocked <= now) or (blocked == 0 and ends <= now)
if over then hits, ends, blocked = 0, now + ttl, 0 end
if blocked <= now then
  hits = hits + 1
  if hits > limit then blocked = now + block end
end
local f = function(n) return string.format('%.0f', n) end
redis.call('HSET', k, 'hits', f(hits), 'ends', f(ends), 'blocked', f(blocked))
redis.call('PEXPIREAT', k, f(math.max(ends, blocked)))
return { hits, ends - now, math.max(blocked - now, 0) }
`;

/**
 * Login-throttle counters in Redis, on the connection of a `RedisTokenStore`
 * (`store.createThrottlerStorage()`), so that the limits hold across every instance. Follows
 * @nestjs/throttler's `ThrottlerStorage` contract, plus `reset()`, in one Lua script per hit so
 * that concurrent instances never race. (The community Redis storage for @nestjs/throttler,
 * @nest-lab/throttler-storage-redis 1.2, does not support Nest 12 and has no `reset()`.)
 */
export class RedisThrottlerStorage implements ResettableThrottlerStorage {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
  ): Promise<ThrottlerStorageRecord> {
    const [hits, toWindowEnd, toUnblock] = (await this.redis.call((client) =>
      client.eval(INCREMENT, 1, this.keyOf(key), ttl, limit, blockDuration),
    )) as [number, number, number];
    return {
      totalHits: hits,
      timeToExpire: Math.max(0, Math.ceil(toWindowEnd / 1000)),
      isBlocked: toUnblock > 0,
      timeToBlockExpire: Math.ceil(toUnblock / 1000),
    };
  }

  async reset(key: string): Promise<void> {
    await this.redis.call((client) => client.del(this.keyOf(key)));
  }

  private keyOf(key: string): string {
    return `${this.prefix}throttle:${key}`;
  }
}
