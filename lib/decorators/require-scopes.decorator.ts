import { SetMetadata } from '@nestjs/common';
import { REQUIRE_SCOPES_METADATA } from '../jwt-security.constants.js';

/**
 * Requires every listed scope in the token's `scope` claim (a space-separated string or an
 * array); otherwise 403 `insufficient_scope`. A method's list replaces its controller's.
 *
 * @example
 * ```ts
 * @RequireScopes('admin')
 * @Get('admin')
 * admin() { ... }
 * ```
 * @publicApi
 */
export const RequireScopes = (...scopes: string[]): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIRE_SCOPES_METADATA, scopes);
