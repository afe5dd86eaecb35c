import { SetMetadata } from '@nestjs/common';
import { PUBLIC_METADATA } from '../jwt-security.constants.js';

/**
 * Opens a route or a controller under a global `JwtAuthGuard`: no token is read.
 *
 * @example
 * ```ts
 * @Public()
 * @Get('health')
 * health() { return 'ok'; }
 * ```
 * @publicApi
 */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_METADATA, true);
