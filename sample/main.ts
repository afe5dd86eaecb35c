import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { BodyParseErrorFilter } from 'nest-jwt-security';
import { AppModule } from './app.module.js';
import { DOCS_PATH, setupOpenApi } from './openapi.js';

async function bootstrap(): Promise<void> {
  const adapter = process.env.HTTP_ADAPTER ?? 'express';
  if (adapter !== 'express' && adapter !== 'fastify') {
    throw new Error(`HTTP_ADAPTER: expected express or fastify, got ${adapter}`);
  }
  const app = await NestFactory.create(
    AppModule,
    adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(),
  );
  app.useGlobalFilters(new BodyParseErrorFilter(app.getHttpAdapter()));
  app.enableShutdownHooks();
  setupOpenApi(app);
  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST ?? '127.0.0.1';
  await app.listen(port, host);
  new Logger('Sample').log(`Listening on http://${host}:${port} (${adapter})`);
  new Logger('Sample').log(`Swagger UI on http://${host}:${port}/${DOCS_PATH}`);
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
