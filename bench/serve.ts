import type { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';

/**
 * Starts a benchmark app with the sample's switches: HTTP_ADAPTER (express|fastify), PORT,
 * HOST. Exits with the error's message if it cannot start.
 */
export function serve(module: Type<unknown>): void {
  const start = async (): Promise<void> => {
    const adapter = process.env.HTTP_ADAPTER ?? 'express';
    if (adapter !== 'express' && adapter !== 'fastify') {
      throw new Error(`HTTP_ADAPTER: expected express or fastify, got ${adapter}`);
    }
    const app = await NestFactory.create(
      module,
      adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(),
    );
    await app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1');
  };
  start().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
