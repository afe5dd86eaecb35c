import type { LoginContext } from '../interfaces/credentials-validator.interface.js';

/** The parts of an Express or Fastify request the module reads. */
export interface HttpRequestLike {
  headers: Record<string, string | string[] | undefined>;
  ip?: string;
  method?: string;
  body?: unknown;
  query?: unknown;
  params?: unknown;
  [key: string | symbol]: unknown;
}

/** Sets a response header on an Express response or a Fastify reply. */
export function setResponseHeader(response: unknown, name: string, value: string): void {
  const target = response as {
    setHeader?: (name: string, value: string) => void;
    header?: (name: string, value: string) => void;
    headersSent?: boolean;
    sent?: boolean;
  };
  if (!target || target.headersSent || target.sent) return;
  if (typeof target.setHeader === 'function') target.setHeader(name, value);
  else if (typeof target.header === 'function') target.header(name, value);
}

/** IP and user agent of a request, for the session registry and the credentials validator. */
export function loginContext(request: HttpRequestLike): LoginContext {
  const userAgent = request.headers['user-agent'];
  return {
    ip: typeof request.ip === 'string' ? request.ip : undefined,
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 512) : undefined,
  };
}

/** What `readCapped()` throws for a body over its limit. */
export class AnswerTooLargeError extends Error {
  constructor(what: string, limit: number) {
    super(`${what} larger than ${limit} bytes`);
    this.name = 'AnswerTooLargeError';
  }
}

/**
 * Reads a fetch response's body as UTF-8 text, failing with `AnswerTooLargeError` as soon as more
 * than `limit` bytes are announced or have arrived (the rest is never read).
 */
export async function readCapped(response: Response, limit: number, what: string): Promise<string> {
  const tooLarge = (): Error => new AnswerTooLargeError(what, limit);
  const announced = Number(response.headers.get('content-length'));
  if (announced > limit) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
