import { SetMetadata } from '@nestjs/common';
import { OPTIONAL_JWT_METADATA } from '../jwt-security.constants.js';

/**
 * Lets a request without a token through as anonymous (`@CurrentClaims()` is `undefined`).
 * A token that is present but bad is still rejected.
 *
 * @example
 * ```ts
 * @OptionalJwt()
 * @Get('feed')
 * feed(@CurrentClaims('sub') sub?: string) { ... }
 * ```
 * @publicApi
 */
export const OptionalJwt = (): MethodDecorator & ClassDecorator =>
  SetMetadata(OPTIONAL_JWT_METADATA, true);
