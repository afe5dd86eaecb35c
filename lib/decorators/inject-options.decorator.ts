import { Inject } from '@nestjs/common';
import { JWT_SECURITY_OPTIONS } from '../jwt-security.constants.js';

/** The injection token of the validated options, for tests and custom providers. @publicApi */
export const getJwtSecurityOptionsToken = (): string => JWT_SECURITY_OPTIONS;

/**
 * Injects the validated, frozen options (`JwtSecurityOptions`).
 *
 * @example
 * ```ts
 * constructor(@InjectJwtSecurityOptions() private readonly options: JwtSecurityOptions) {}
 * ```
 * @publicApi
 */
export const InjectJwtSecurityOptions = (): PropertyDecorator & ParameterDecorator =>
  Inject(JWT_SECURITY_OPTIONS);
