import { Injectable, Logger } from '@nestjs/common';
import type { JwtSecurityEvent, JwtSecurityEventListener } from 'nest-jwt-security';

/** Logs the module's audit events: who, what, from where; never a token or a password. */
@Injectable()
export class AuditLog implements JwtSecurityEventListener {
  private readonly logger = new Logger('Audit');

  onJwtSecurityEvent(event: JwtSecurityEvent): void {
    const parts = [
      event.type,
      event.sub ?? (event.login !== undefined ? `login=${JSON.stringify(event.login)}` : undefined),
      event.sid && `session=${event.sid}`,
      event.code && `code=${event.code}`,
      event.reason && `reason=${event.reason}`,
      event.ip && `ip=${event.ip}`,
    ];
    this.logger.log(parts.filter(Boolean).join(' '));
  }
}
