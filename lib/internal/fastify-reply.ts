import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { HttpRequestLike } from './http.js';

/** Request property of a Fastify request holding its reply (an Express request has `res`). */
export const FASTIFY_REPLY = Symbol.for('nest-jwt-security.reply');

type OnRequest = (request: HttpRequestLike, reply: unknown, done: () => void) => void;

/** The parts of a Fastify instance the link uses. */
interface FastifyLike {
  addHook(name: 'onRequest', hook: OnRequest): unknown;
  decorateRequest(name: symbol, value: null): unknown;
  hasRequestDecorator(name: symbol): boolean;
}

/**
 * Passport hands a strategy the request only; on Express `req.res` leads to the response, on
 * Fastify nothing leads from the request to its reply. So that `AuthGuard('jwt-security')` sets
 * its `WWW-Authenticate` challenge on both (SPEC §4), the module adds one `onRequest` hook to a
 * Fastify app that records the reply on the request (a declared request decorator, so the
 * request keeps its shape). Added during `app.init()`, before Fastify starts; Express apps and
 * apps without HTTP get nothing.
 */
@Injectable()
export class FastifyReplyLink implements OnModuleInit {
  private readonly logger = new Logger('JwtSecurityModule');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const adapter = this.adapterHost?.httpAdapter;
    if (adapter === undefined || adapter.getType() !== 'fastify') return;
    const fastify = adapter.getInstance<FastifyLike>();
    // A second JwtSecurityModule in the same app: the first one linked it already.
    if (fastify.hasRequestDecorator(FASTIFY_REPLY)) return;
    try {
      fastify.decorateRequest(FASTIFY_REPLY, null);
      fastify.addHook('onRequest', linkReply);
    } catch (error) {
      // Fastify refuses hooks once started (an app initialised after listen()).
      this.logger.warn(
        `AuthGuard('jwt-security') cannot set WWW-Authenticate on this Fastify app: ${(error as Error).message}`,
      );
    }
  }
}

function linkReply(request: HttpRequestLike, reply: unknown, done: () => void): void {
  request[FASTIFY_REPLY] = reply;
  done();
}

/** The response of a request as passport hands it over: Express's `req.res`, or the linked reply. */
export function responseOfRequest(request: HttpRequestLike): unknown {
  return request.res ?? request[FASTIFY_REPLY];
}
