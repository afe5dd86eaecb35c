import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { getAuthContext, requestOf } from '../internal/auth-context.js';

/**
 * The principal the configured `PrincipalLoader` returned for this request (loaded once, by the
 * guard). `undefined` when no loader is configured or the request is anonymous.
 *
 * @example
 * ```ts
 * @Get('me')
 * me(@CurrentPrincipal() user: User) { return user; }
 * ```
 * @publicApi
 */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): unknown =>
    getAuthContext(requestOf(context))?.principal,
);
