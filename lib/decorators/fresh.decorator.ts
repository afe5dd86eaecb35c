import { SetMetadata } from '@nestjs/common';
import { FRESH_METADATA } from '../jwt-security.constants.js';

/**
 * Requires a fresh access token (issued from credentials, not from a refresh token), for
 * sensitive operations; otherwise 403 `token_not_fresh`.
 *
 * @example
 * ```ts
 * @Fresh()
 * @Post('account/password')
 * changePassword() { ... }
 * ```
 * @publicApi
 */
export const Fresh = (): MethodDecorator & ClassDecorator => SetMetadata(FRESH_METADATA, true);
