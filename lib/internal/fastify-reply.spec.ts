import { Logger } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { jest } from '@jest/globals';
import { FASTIFY_REPLY, FastifyReplyLink, responseOfRequest } from './fastify-reply.js';
import type { HttpRequestLike } from './http.js';

const host = (httpAdapter: unknown): HttpAdapterHost => ({ httpAdapter }) as HttpAdapterHost;

describe('FastifyReplyLink', () => {
  it('records the reply on every Fastify request, once however many modules link it', async () => {
    const adapter = new FastifyAdapter();
    const fastify = adapter.getInstance();
    const addHook = jest.spyOn(fastify, 'addHook');
    new FastifyReplyLink(host(adapter)).onModuleInit();
    new FastifyReplyLink(host(adapter)).onModuleInit();
    expect(addHook).toHaveBeenCalledTimes(1);
    fastify.get('/', (request, reply) => {
      const linked = responseOfRequest(request as unknown as HttpRequestLike);
      return { linked: linked === reply };
    });
    // A real request (light-my-request's inject does not load under the ESM runner).
    const address = await fastify.listen({ port: 0, host: '127.0.0.1' });
    try {
      expect(await (await fetch(address)).json()).toEqual({ linked: true });
    } finally {
      await fastify.close();
    }
  });

  it('warns instead of failing when Fastify has already started', async () => {
    const adapter = new FastifyAdapter();
    await adapter.getInstance().ready();
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      expect(() => new FastifyReplyLink(host(adapter)).onModuleInit()).not.toThrow();
      expect(warn).toHaveBeenCalledTimes(1);
    } finally {
      warn.mockRestore();
      await adapter.getInstance().close();
    }
  });

  it('does nothing on Express or without an HTTP adapter', () => {
    const express = new ExpressAdapter();
    expect(() => new FastifyReplyLink(host(express)).onModuleInit()).not.toThrow();
    expect(() => new FastifyReplyLink(host(undefined)).onModuleInit()).not.toThrow();
  });

  it('responseOfRequest prefers Express req.res, then the linked reply', () => {
    const res = {};
    const reply = {};
    expect(responseOfRequest({ headers: {}, res })).toBe(res);
    expect(responseOfRequest({ headers: {}, [FASTIFY_REPLY]: reply })).toBe(reply);
    expect(responseOfRequest({ headers: {} })).toBeUndefined();
  });
});
