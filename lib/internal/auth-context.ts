import type { ExecutionContext } from '@nestjs/common';
import type { JwtClaims, JwtHeader } from '../interfaces/jwt-claims.interface.js';
import type { HttpRequestLike } from './http.js';

/** What the guard learnt about a request; decorators read it without decoding anything again. */
export interface JwtAuthContext {
  token: string;
  header: JwtHeader;
  claims: JwtClaims;
  /** What the `PrincipalLoader` returned, when one is configured. */
  principal?: unknown;
}

/** Request property holding the `JwtAuthContext` (a symbol: never collides, never serialised). */
export const AUTH_CONTEXT = Symbol.for('nest-jwt-security.context');

/**
 * The request of an HTTP, WebSocket (the client), RPC or GraphQL (the `req` the app puts in its
 * GraphQL context) execution context.
 */
export function requestOf(context: ExecutionContext): HttpRequestLike {
  const type = context.getType<string>();
  // getArgByIndex(0) is what switchToHttp().getRequest() returns, without allocating.
  if (type === 'http') return context.getArgByIndex(0);
  if (type === 'ws') return context.switchToWs().getClient();
  if (type === 'rpc') return context.switchToRpc().getContext();
  if (type === 'graphql') {
    // A resolver's arguments are (root, args, context, info).
    const graphqlContext = context.getArgByIndex(2) as { req?: HttpRequestLike } | undefined;
    if (graphqlContext?.req) return graphqlContext.req;
    // No `req` (Mercurius keeps the request in `reply.request`): a top-level resolver's root is
    // undefined; a fresh request without headers makes the guard answer token_missing, not crash.
    const root: unknown = context.getArgByIndex(0);
    return typeof root === 'object' && root !== null ? (root as HttpRequestLike) : { headers: {} };
  }
  return context.getArgByIndex(0);
}

/** The HTTP response (Express response or Fastify reply); undefined outside HTTP. */
export function responseOf(context: ExecutionContext): unknown {
  return context.getType<string>() === 'http' ? context.switchToHttp().getResponse() : undefined;
}

export function getAuthContext(request: HttpRequestLike | undefined): JwtAuthContext | undefined {
  return request?.[AUTH_CONTEXT] as JwtAuthContext | undefined;
}

export function setAuthContext(request: HttpRequestLike, auth: JwtAuthContext): void {
  request[AUTH_CONTEXT] = auth;
  request.user = auth.claims;
}
