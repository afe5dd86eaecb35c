import type { Logger } from '@nestjs/common';
import { ServiceUnavailableError } from '../errors/jwt-security.errors.js';
import type { RevocationEntry, TokenStore } from '../stores/token-store.js';
import { describe, withTimeout } from './store-call.js';

/**
 * This instance's copy of the revocations, so that checking a token costs two map lookups and no
 * round trip. It replays the store's revocation log every `intervalMs` and at once when the
 * store pushes a notification; revocations made by this instance apply immediately.
 *
 * Fail closed: when the view could not sync for `staleAfterMs`, `isRevoked` throws
 * `ServiceUnavailableError` instead of answering "not revoked".
 */
export class RevocationView {
  private readonly tokens = new Map<string, number>();
  private readonly sessions = new Map<string, number>();
  private cursor: string | undefined;
  private lastSync = 0;
  private failing = false;
  private timer?: NodeJS.Timeout;
  private unwatch?: () => Promise<void>;
  private inflight?: Promise<void>;
  private again = false;
  private lastPrune = 0;
  readonly staleAfterMs: number;

  constructor(
    private readonly store: TokenStore,
    private readonly intervalMs: number,
    private readonly logger: Logger,
    private readonly timeoutMs = 2000,
    /** Seconds tokens stay accepted past `exp`: revocations are kept that much longer too. */
    private readonly leeway = 0,
  ) {
    this.staleAfterMs = Math.max(3 * intervalMs, 1500);
  }

  async start(): Promise<void> {
    await this.sync();
    this.timer = setInterval(() => void this.sync(), this.intervalMs);
    this.timer.unref();
    if (this.store.watchRevocations) {
      try {
        this.unwatch = await this.store.watchRevocations(() => void this.sync());
      } catch (error) {
        this.logger.warn(`Revocation notifications unavailable, polling only: ${describe(error)}`);
      }
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.unwatch?.().catch(() => undefined);
    await this.inflight?.catch(() => undefined);
  }

  /** Applies revocations this instance just made, before any other instance learns of them. */
  apply(entries: readonly RevocationEntry[]): void {
    for (const entry of entries) {
      (entry.kind === 'token' ? this.tokens : this.sessions).set(entry.id, entry.expiresAt);
    }
  }

  /** `true` when the token or its session is revoked. Throws 503 when the view is stale. */
  isRevoked(jti: string, sid: string, now = Date.now()): boolean {
    if (now - this.lastSync > this.staleAfterMs) throw new ServiceUnavailableError();
    return this.tokens.has(jti) || this.sessions.has(sid);
  }

  /** Pulls new revocations from the store. Concurrent calls share one pull and queue one more. */
  sync(): Promise<void> {
    if (this.inflight) {
      this.again = true;
      return this.inflight;
    }
    this.inflight = this.pull().finally(() => {
      this.inflight = undefined;
      if (this.again) {
        this.again = false;
        void this.sync();
      }
    });
    return this.inflight;
  }

  private async pull(): Promise<void> {
    const started = Date.now();
    try {
      // Bounded, so that a store that never answers cannot freeze the view for good.
      const batch = await withTimeout(
        this.store.revocationsSince(this.cursor, Math.floor(started / 1000) - this.leeway),
        this.timeoutMs,
      );
      this.apply(batch.entries);
      this.cursor = batch.cursor;
      this.lastSync = started;
      if (started - this.lastPrune > 60_000) this.prune(started);
      if (this.failing) {
        this.failing = false;
        this.logger.log('Token store reachable again; revocations are in sync');
      }
    } catch (error) {
      if (!this.failing) {
        this.failing = true;
        this.logger.error(`Cannot read revocations from the token store: ${describe(error)}`);
      }
    }
  }

  private prune(nowMs: number): void {
    this.lastPrune = nowMs;
    const nowSeconds = nowMs / 1000 - this.leeway;
    for (const map of [this.tokens, this.sessions]) {
      for (const [id, expiresAt] of map) if (expiresAt < nowSeconds) map.delete(id);
    }
  }
}
