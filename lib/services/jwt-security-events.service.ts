import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { JwtSecurityOptions } from '../config/jwt-security-options.dto.js';
import type {
  JwtSecurityEvent,
  JwtSecurityEventListener,
} from '../interfaces/jwt-security-event.interface.js';
import { JWT_SECURITY_OPTIONS } from '../jwt-security.constants.js';
import { resolveProvided } from '../internal/resolve-provided.js';
import { describe } from '../internal/store-call.js';

interface Emitter {
  emit(event: string, payload: unknown): unknown;
}

/**
 * Publishes audit events to the `eventListener` option and, when the app uses
 * @nestjs/event-emitter (an optional peer), as `jwt-security.<type>` events.
 *
 * @example
 * ```ts
 * @OnEvent('jwt-security.login.failed')
 * onLoginFailed(event: JwtSecurityEvent) { ... }
 * ```
 * @publicApi
 */
@Injectable()
export class JwtSecurityEvents implements OnModuleInit {
  private readonly logger = new Logger('JwtSecurityModule');
  private listener?: JwtSecurityEventListener;
  private emitter?: Emitter;

  constructor(
    @Inject(JWT_SECURITY_OPTIONS) private readonly options: JwtSecurityOptions,
    private readonly moduleRef: ModuleRef,
  ) {}

  async onModuleInit(): Promise<void> {
    this.listener = await resolveProvided(this.moduleRef, this.options.eventListener);
    this.emitter = await this.findEventEmitter();
  }

  /** Whether anybody listens: callers skip building events otherwise. */
  get enabled(): boolean {
    return this.listener !== undefined || this.emitter !== undefined;
  }

  emit(event: Omit<JwtSecurityEvent, 'at'>): void {
    if (!this.enabled) return;
    const full: JwtSecurityEvent = { ...event, at: new Date().toISOString() };
    try {
      const result = this.listener?.onJwtSecurityEvent(full);
      if (result instanceof Promise) result.catch((error: unknown) => this.failed(error));
      this.emitter?.emit(`jwt-security.${full.type}`, full);
    } catch (error) {
      this.failed(error);
    }
  }

  private failed(error: unknown): void {
    this.logger.error(`Audit event listener failed: ${describe(error)}`);
  }

  private async findEventEmitter(): Promise<Emitter | undefined> {
    try {
      const { EventEmitter2 } = await import('@nestjs/event-emitter');
      return this.moduleRef.get<Emitter>(EventEmitter2, { strict: false });
    } catch {
      return undefined; // not installed, or EventEmitterModule not imported by the app
    }
  }
}
