import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';

/** Same switches as the sample and the recipe: HTTP_ADAPTER (express|fastify), PORT, HOST. */
async function bootstrap() {
  const adapter = process.env.HTTP_ADAPTER ?? 'express';
  if (adapter !== 'express' && adapter !== 'fastify') {
    throw new Error(`HTTP_ADAPTER: expected express or fastify, got ${adapter}`);
  }
  const app = await NestFactory.create(
    AppModule,
    adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(),
  );
  await app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1');
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
