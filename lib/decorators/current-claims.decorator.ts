import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { getAuthContext, requestOf } from '../internal/auth-context.js';

/**
 * The verified claims of the request's token, or one claim by name. `undefined` for an
 * anonymous request on an `@OptionalJwt()` route. No decoding happens here: the guard already
 * did it.
 *
 * @example
 * ```ts
 * @Get('profile')
 * profile(@CurrentClaims() claims: JwtClaims, @CurrentClaims('sub') sub: string) { ... }
 * ```
 * @publicApi
 */
export const CurrentClaims = createParamDecorator(
  (name: string | undefined, context: ExecutionContext): unknown => {
    const claims = getAuthContext(requestOf(context))?.claims;
    return name === undefined ? claims : claims?.[name];
  },
);
