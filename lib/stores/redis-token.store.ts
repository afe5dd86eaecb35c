import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RedisThrottlerStorage } from './redis-throttler.storage.js';
import { RedisConnection, failFastOptions } from './redis-token.connection.js';
import { listTokens, subjectSessions } from './redis-token.listing.js';
import { toRevocation, toSession, toToken } from './redis-token.records.js';
import * as scripts from './redis-token.scripts.js';
import { RevocationListeners } from './revocation-listeners.js';
import {
  TokenStore,
  type NewSessionRecord,
  type NewTokenRecord,
  type RevocationBatch,
  type RevocationEntry,
  type RotateOutcome,
  type RotateRefreshInput,
  type SessionRecord,
  type TokenQuery,
  type TokenRecord,
  newestFirst,
} from './token-store.js';

/** Options of `RedisTokenStore`. @publicApi */
export interface RedisTokenStoreOptions {
  /**
   * An ioredis client you own: the store never closes it. Prefer `enableOfflineQueue: false`
   * and a small `maxRetriesPerRequest` on it, so that commands fail fast during an outage.
   */
  client?: Redis;
  /**
   * A Redis URL; the store opens its own fail-fast client and closes it on shutdown.
   * Default `'redis://127.0.0.1:6379'` when neither `client` nor `url` is given.
   * @example 'redis://:secret@redis.internal:6379/2'
   */
  url?: string;
  /** Prefix of every key and of the pub/sub channel. Default `'jwt-security:'`. */
  prefix?: string;
  /** Milliseconds after which a command fails (the store then answers 503). Default `1000`. */
  commandTimeout?: number;
  /**
   * Seconds a record is kept after it expires, so that `listTokens({ status: 'expired' })` and
   * `purgeExpired()` see it. Default `0`: keys expire with the tokens they describe.
   */
  retention?: number;
}

/** Records handled per purge script, so that one call never holds Redis for long. */
const PURGE_BATCH = 500;

/**
 * A `TokenStore` on Redis (ioredis), shared by every instance of an app. Each token and session
 * is a hash whose TTL matches its expiry; multi-step writes are Lua scripts, so they are atomic
 * and a refresh token rotates exactly once however many requests race. Revocations go to a
 * log read with `revocationsSince` and are announced on a pub/sub channel, which a second
 * connection (`duplicate()`) listens to.
 *
 * Fails fast: when Redis is unreachable every call rejects at once or after `commandTimeout`,
 * and the module answers 503 `service_unavailable`; the store reconnects by itself.
 *
 * @example
 * ```ts
 * JwtSecurityModule.forRoot({
 *   ...keys,
 *   credentials: UsersCredentials,
 *   store: new RedisTokenStore({ url: process.env.REDIS_URL, prefix: 'myapp:jwt:' }),
 * });
 * ```
 * @publicApi
 */
export class RedisTokenStore extends TokenStore implements OnModuleInit, OnModuleDestroy {
  /** Prefix of every key. */
  readonly prefix: string;
  private readonly redis: RedisConnection;
  private readonly ownsClient: boolean;
  private readonly retention: number;
  private readonly channel: string;
  private readonly listeners = new RevocationListeners();
  private closed = false;
  private readonly runner = (script: scripts.LuaScript, ...args: string[]): Promise<unknown> =>
    this.run(script, ...args);

  constructor(options: RedisTokenStoreOptions = {}) {
    super();
    if (options.client && options.url !== undefined) {
      throw new Error('RedisTokenStore: give either client or url, not both');
    }
    this.prefix = options.prefix ?? 'jwt-security:';
    if (typeof this.prefix !== 'string' || this.prefix.length === 0) {
      throw new Error('RedisTokenStore: prefix must be a non-empty string');
    }
    const commandTimeout = positive(options.commandTimeout, 1000, 'commandTimeout');
    this.retention = Math.floor(positive(options.retention, 0, 'retention'));
    this.channel = `${this.prefix}revocations`;
    this.ownsClient = !options.client;
    const url = options.url ?? 'redis://127.0.0.1:6379';
    const open = async (): Promise<Redis> => {
      const ioredis = await import('ioredis').catch((error: unknown) => {
        throw new Error(
          `RedisTokenStore needs the ioredis package (npm install ioredis): ${String(error)}`,
        );
      });
      return new ioredis.Redis(url, failFastOptions(commandTimeout));
    };
    this.redis = new RedisConnection(options.client, open, commandTimeout);
  }

  /** Opens the connection (loading ioredis), so that a missing package stops the start-up. */
  async onModuleInit(): Promise<void> {
    await this.redis.connection();
  }

  /** Closes the subscriber connection and, if the store opened it, the command connection. */
  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    await this.redis.close(this.ownsClient);
  }

  /** Login-throttle counters on this store's connection: the limits hold across instances. */
  override createThrottlerStorage(): RedisThrottlerStorage {
    return new RedisThrottlerStorage(this.redis, this.prefix);
  }

  async createSession(session: NewSessionRecord, tokens: NewTokenRecord[]): Promise<void> {
    await this.run(scripts.CREATE_SESSION, JSON.stringify(session), JSON.stringify(tokens));
  }

  async rotateRefreshToken(input: RotateRefreshInput): Promise<RotateOutcome> {
    return (await this.run(scripts.ROTATE, JSON.stringify(input))) as RotateOutcome;
  }

  async findToken(jti: string): Promise<TokenRecord | undefined> {
    return toToken(jti, await this.redis.call((c) => c.hgetall(`${this.prefix}t:${jti}`)));
  }

  async findSession(sid: string): Promise<SessionRecord | undefined> {
    return toSession(sid, await this.redis.call((c) => c.hgetall(`${this.prefix}s:${sid}`)));
  }

  async listSessions(sub: string, now: number): Promise<SessionRecord[]> {
    const sessions = await subjectSessions(this.runner, sub);
    return sessions.filter((s) => s.revokedAt === undefined && s.expiresAt > now).sort(newestFirst);
  }

  /** Reads in steps of a few hundred index entries, one short script each (see `TokenQuery`). */
  listTokens(query: TokenQuery): Promise<TokenRecord[]> {
    return listTokens(this.runner, query);
  }

  async tokenTree(jti: string): Promise<TokenRecord[]> {
    const sid = await this.redis.call((c) => c.hget(`${this.prefix}t:${jti}`, 'sid'));
    return sid === null ? [] : this.listTokens({ sid, now: 0, limit: Infinity });
  }

  async revokeToken(jti: string, now: number, leeway = 0): Promise<boolean> {
    return (await this.run(scripts.REVOKE_TOKEN, jti, String(now), seconds(leeway))) === 1;
  }

  async revokeSession(sid: string, now: number, leeway = 0): Promise<boolean> {
    return (await this.run(scripts.REVOKE_SESSION, sid, String(now), seconds(leeway))) === 1;
  }

  async revokeSubject(sub: string, now: number, leeway = 0): Promise<string[]> {
    const revoked = await this.run(scripts.REVOKE_SUBJECT, sub, String(now), seconds(leeway));
    return Array.isArray(revoked) ? revoked.map(String) : [];
  }

  async isRevoked(jti: string, sid: string): Promise<boolean> {
    return (await this.run(scripts.IS_REVOKED, jti, sid)) === 1;
  }

  async revocationsSince(cursor: string | undefined, now: number): Promise<RevocationBatch> {
    const after = cursor !== undefined && /^\d{1,20}$/.test(cursor) ? cursor : '';
    const [last, members] = (await this.run(scripts.REVOCATIONS_SINCE, after)) as [
      string,
      string[],
    ];
    const entries: RevocationEntry[] = [];
    for (const member of members) {
      const entry = toRevocation(member);
      if (entry && entry.expiresAt > now) entries.push(entry);
    }
    return { cursor: String(last), entries };
  }

  async purgeExpired(before: number): Promise<number> {
    let total = 0;
    for (;;) {
      const [count, more] = (await this.run(
        scripts.PURGE,
        String(before),
        String(PURGE_BATCH),
      )) as number[];
      total += count ?? 0;
      if (more !== 1) return total;
    }
  }

  /**
   * Calls `listener` whenever any instance records a revocation, through pub/sub on a dedicated
   * connection (and once after that connection comes back from an outage, to catch up).
   */
  override async watchRevocations(listener: () => void): Promise<() => Promise<void>> {
    if (this.closed) throw new Error('RedisTokenStore is closed');
    this.listeners.add(listener);
    await this.redis.subscribe(this.channel, this.listeners.notify);
    return async () => {
      if (this.listeners.delete(listener)) this.redis.unsubscribe();
    };
  }

  /** Runs a script by SHA, loading it on the first NOSCRIPT. */
  private run(script: scripts.LuaScript, ...args: string[]): Promise<unknown> {
    const argv = [this.prefix, String(this.retention), ...args];
    return this.redis.call(async (client) => {
      try {
        return await client.evalsha(script.sha, 0, ...argv);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        return client.eval(script.source, 0, ...argv);
      }
    });
  }
}

/** Whole seconds for a script argument. */
function seconds(value: number): string {
  return String(Number.isFinite(value) && value > 0 ? Math.floor(value) : 0);
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`RedisTokenStore: ${name} must be a non-negative number`);
  }
  return value;
}
