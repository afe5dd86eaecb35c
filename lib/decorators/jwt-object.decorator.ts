import { SetMetadata } from '@nestjs/common';
import type { JwtObjectType } from '../interfaces/jwt-claims.interface.js';
import { JWT_OBJECT_METADATA } from '../jwt-security.constants.js';

/**
 * Which kind of token the route accepts: `'access'` (the default) or `'refresh'`. Checked by
 * `JwtAuthGuard` and `JwtObjectGuard`; a token of the other kind fails with `token_wrong_type`.
 *
 * @example
 * ```ts
 * @UseGuards(JwtAuthGuard)
 * @JwtObject('refresh')
 * @Post('renew')
 * renew(@CurrentClaims() claims: JwtClaims) { ... }
 * ```
 * @publicApi
 */
export const JwtObject = (object: JwtObjectType = 'access'): MethodDecorator & ClassDecorator =>
  SetMetadata(JWT_OBJECT_METADATA, object);
