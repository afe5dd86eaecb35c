import { createHash } from 'node:crypto';
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { JwtSecurityOptions } from '../config/jwt-security-options.dto.js';
import { TooManyAttemptsError } from '../errors/jwt-security.errors.js';
import type { LoginContext } from '../interfaces/credentials-validator.interface.js';
import { JWT_SECURITY_OPTIONS } from '../jwt-security.constants.js';
import {
  MemoryThrottlerStorage,
  type ResettableThrottlerStorage,
} from '../stores/memory-throttler.storage.js';
import { TokenStore } from '../stores/token-store.js';
import { JwtSecurityEvents } from './jwt-security-events.service.js';
import { JwtTokenService } from './jwt-token.service.js';

/** Settings of the login throttle (the `loginThrottle` option). @publicApi */
export interface LoginThrottleOptions {
  /** Attempts per login name within `ttl`. Default `10`. */
  limit?: number;
  /** Attempts per client IP within `ttl`. Default `100`. */
  ipLimit?: number;
  /** Window in seconds. Default `60`. */
  ttl?: number;
  /** Seconds a login name or an IP stays blocked once over its limit. Default `60`. */
  blockDuration?: number;
  /**
   * Where the counters live. Default: the token store's own (Redis with `RedisTokenStore`, so
   * the limits hold across instances), else this process's memory.
   */
  storage?: ResettableThrottlerStorage;
}

const NAME = 'jwt-security-login';

/**
 * Throttles login attempts per login name and per client IP, on storages that follow
 * @nestjs/throttler's `ThrottlerStorage` contract; over a limit, login answers 429
 * `too_many_attempts` with `Retry-After`. A successful login resets its login name's counter.
 *
 * @publicApi
 */
@Injectable()
export class LoginThrottler implements OnModuleInit, OnApplicationShutdown {
  private storage?: ResettableThrottlerStorage;
  private readonly settings: Required<Omit<LoginThrottleOptions, 'storage'>>;

  constructor(
    @Inject(JWT_SECURITY_OPTIONS) private readonly options: JwtSecurityOptions,
    private readonly store: TokenStore,
    private readonly tokens: JwtTokenService,
    private readonly events: JwtSecurityEvents,
  ) {
    const given = options.loginThrottle || {};
    this.settings = {
      limit: given.limit ?? 10,
      ipLimit: given.ipLimit ?? 100,
      ttl: given.ttl ?? 60,
      blockDuration: given.blockDuration ?? 60,
    };
  }

  onModuleInit(): void {
    // Only local mode logs users in: a proxy forwards logins and its authority throttles them.
    if (this.options.loginThrottle === false || this.options.mode !== 'local') return;
    this.storage =
      this.options.loginThrottle.storage ??
      this.store.createThrottlerStorage?.() ??
      new MemoryThrottlerStorage();
  }

  onApplicationShutdown(): void {
    if (this.storage instanceof MemoryThrottlerStorage) this.storage.onApplicationShutdown();
  }

  /** Counts an attempt; throws `TooManyAttemptsError` when the login name or the IP is blocked. */
  async attempt(login: string, context: LoginContext): Promise<void> {
    const storage = this.storage;
    if (!storage) return;
    const { limit, ipLimit, ttl, blockDuration } = this.settings;
    const count = (key: string, max: number) =>
      this.tokens.callStore(() =>
        storage.increment(key, ttl * 1000, max, blockDuration * 1000, NAME),
      );
    const records = await Promise.all([
      count(loginKey(login), limit),
      ...(context.ip !== undefined ? [count(`ip:${context.ip}`, ipLimit)] : []),
    ]);
    const blocked = records.filter((record) => record.isBlocked);
    if (blocked.length > 0) {
      const retryAfter = Math.max(1, ...blocked.map((record) => record.timeToBlockExpire));
      this.events.emit({
        type: 'login.throttled',
        code: 'too_many_attempts',
        login: login.slice(0, 128),
        ...(context.ip !== undefined && { ip: context.ip }),
      });
      throw new TooManyAttemptsError(retryAfter);
    }
  }

  /** Forgets the failed attempts of a login name after it logged in. */
  async succeeded(login: string): Promise<void> {
    const storage = this.storage;
    if (storage) await this.tokens.callStore(() => storage.reset(loginKey(login)));
  }
}

/** Login names are counted case-insensitively and stored hashed, never in clear. */
function loginKey(login: string): string {
  return `login:${createHash('sha256').update(login.trim().toLowerCase()).digest('base64url')}`;
}
