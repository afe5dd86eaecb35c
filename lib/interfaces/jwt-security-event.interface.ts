import type { JwtSecurityErrorCode } from '../errors/jwt-security.errors.js';

/** What happened. Emitted through @nestjs/event-emitter as `jwt-security.<type>`. @publicApi */
export type JwtSecurityEventType =
  | 'login.succeeded'
  | 'login.failed'
  | 'login.throttled'
  | 'token.refreshed'
  | 'refresh.reused'
  | 'session.revoked'
  | 'token.rejected';

/**
 * An audit event. It never carries a token, a password or a secret: only identifiers (`sub`,
 * `sid`, `jti`), the login name, the client's address and the error code.
 *
 * @publicApi
 */
export interface JwtSecurityEvent {
  type: JwtSecurityEventType;
  /** ISO 8601 time. */
  at: string;
  sub?: string;
  sid?: string;
  jti?: string;
  /** Login name of a login attempt (never the password). */
  login?: string;
  ip?: string;
  userAgent?: string;
  /** Error code of a rejected token or a failed login. */
  code?: JwtSecurityErrorCode;
  /** Why a session ended: `logout`, `revoked` (by its owner or the app) or `reuse` (stolen refresh token). */
  reason?: 'logout' | 'revoked' | 'reuse';
}

/**
 * Receives the module's audit events (the `eventListener` option), for apps without
 * @nestjs/event-emitter or that want a typed hook. Errors it throws are logged and ignored.
 *
 * @example
 * ```ts
 * @Injectable()
 * export class AuditLog implements JwtSecurityEventListener {
 *   onJwtSecurityEvent(event: JwtSecurityEvent) {
 *     this.logger.log(`${event.type} ${event.sub ?? event.login ?? ''} ${event.code ?? ''}`);
 *   }
 * }
 * ```
 * @publicApi
 */
export interface JwtSecurityEventListener {
  onJwtSecurityEvent(event: JwtSecurityEvent): void | Promise<void>;
}
