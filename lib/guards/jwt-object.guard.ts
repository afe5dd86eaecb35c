import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { JwtSecurityError, TokenMissingError } from '../errors/jwt-security.errors.js';
import { getAuthContext, requestOf, responseOf } from '../internal/auth-context.js';
import { toWsException } from '../internal/ws-errors.js';
import { JwtAuthenticator } from '../services/jwt-authenticator.service.js';

/**
 * Checks `@JwtObject`, `@Fresh` and `@RequireScopes` against the claims that an earlier guard
 * verified, for apps that authenticate with `AuthGuard('jwt-security')` (alone or among other
 * strategies). `JwtAuthGuard` already does all of this itself.
 *
 * @example
 * ```ts
 * @UseGuards(AuthGuard(['jwt-security', 'api-key']), JwtObjectGuard)
 * @RequireScopes('reports')
 * @Get('reports')
 * reports() { ... }
 * ```
 * @publicApi
 */
@Injectable()
export class JwtObjectGuard implements CanActivate {
  constructor(protected readonly authenticator: JwtAuthenticator) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const requirements = this.authenticator.requirements(context);
    if (requirements.public) return true;
    const auth = getAuthContext(requestOf(context));
    try {
      if (!auth) {
        if (requirements.optional) return true;
        throw new TokenMissingError();
      }
      this.authenticator.checkRequirements(auth.claims, requirements);
    } catch (error) {
      if (error instanceof JwtSecurityError) {
        const rejected = this.authenticator.reject(responseOf(context), error, requestOf(context));
        // A gateway message: the error goes out as a WsException (see JwtAuthGuard).
        if (context.getType<string>() === 'ws') return toWsException(rejected).then(throwIt);
        throw rejected;
      }
      throw error;
    }
    return true;
  }
}

function throwIt(error: unknown): never {
  throw error;
}
