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
