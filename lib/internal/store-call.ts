import type { Logger } from '@nestjs/common';
import { JwtSecurityError, ServiceUnavailableError } from '../errors/jwt-security.errors.js';
import { describe } from './revocation-view.js';

/**
 * Runs one store operation, bounded by `timeoutMs`. A store that throws or does not answer in
 * time yields `ServiceUnavailableError` (fail closed); the cause is logged, never rendered.
 */
export async function callStore<T>(
  operation: () => Promise<T>,
  timeoutMs: number,
  logger: Logger,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([operation(), timeout]);
  } catch (error) {
    if (error instanceof JwtSecurityError) throw error;
    logger.error(`Token store unavailable: ${describe(error)}`);
    throw new ServiceUnavailableError(undefined, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}
