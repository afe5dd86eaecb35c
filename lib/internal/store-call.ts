import type { Logger } from '@nestjs/common';
import { JwtSecurityError, ServiceUnavailableError } from '../errors/jwt-security.errors.js';

/**
 * Runs one store operation, bounded by `timeoutMs`. A store that throws or does not answer in
 * time yields `ServiceUnavailableError` (fail closed); the cause is logged, never rendered.
 */
export async function callStore<T>(
  operation: () => Promise<T>,
  timeoutMs: number,
  logger: Logger,
): Promise<T> {
  try {
    return await withTimeout(operation(), timeoutMs);
  } catch (error) {
    if (error instanceof JwtSecurityError) throw error;
    logger.error(`Token store unavailable: ${describe(error)}`);
    throw new ServiceUnavailableError(undefined, { cause: error });
  }
}

/** `pending`, or a rejection with `onTimeout()` once `timeoutMs` passed without an answer. */
export async function withTimeout<T>(
  pending: Promise<T>,
  timeoutMs: number,
  onTimeout: () => Error = () => new Error(`no answer within ${timeoutMs} ms`),
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), timeoutMs);
  });
  try {
    return await Promise.race([pending, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** An error's class and message, for logs; stores never put tokens in their messages. */
export function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
