import type { DynamicModule, INestApplication, LoggerService, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';

/** The HTTP platforms every end-to-end suite runs on. */
export const ADAPTERS = ['express', 'fastify'] as const;
export type AdapterName = (typeof ADAPTERS)[number];

/** A Nest app listening on a free loopback port. */
export interface RunningApp {
  app: INestApplication;
  url: string;
  close(): Promise<void>;
}

/**
 * Starts `module` on the given platform, on 127.0.0.1 and a free port, without logs unless a
 * `logger` is given; `setup` runs before `listen` (middleware, filters, a WebSocket adapter).
 */
export async function startApp(
  module: Type<unknown> | DynamicModule,
  adapter: AdapterName,
  options: {
    logger?: LoggerService;
    setup?: (app: INestApplication) => unknown;
  } = {},
): Promise<RunningApp> {
  const app = await NestFactory.create(module, httpAdapter(adapter), {
    logger: options.logger ?? false,
  });
  await options.setup?.(app);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return {
    app,
    url: `http://127.0.0.1:${address.port}`,
    close: () => app.close(),
  };
}

/** A JSON answer: status, headers and parsed body (or text when not JSON). */
export interface HttpAnswer<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** Sends one request and reads the whole answer. */
export async function request<T = any>(
  url: string,
  init: {
    method?: string;
    token?: string;
    scheme?: string;
    headers?: Record<string, string>;
    json?: unknown;
    form?: Record<string, string>;
    body?: string;
  } = {},
): Promise<HttpAnswer<T>> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token !== undefined) headers.authorization = `${init.scheme ?? 'Bearer'} ${init.token}`;
  let body: string | undefined = init.body;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  } else if (init.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  }
  const response = await fetch(url, { method: init.method ?? 'GET', headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body: parsed as T };
}

/** A fresh HTTP adapter of the given platform, for suites that call `NestFactory.create` themselves. */
export function httpAdapter(adapter: AdapterName): ExpressAdapter | FastifyAdapter {
  return adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
}

/**
 * What `NestFactory.create` + `init()` of `module` throws (`undefined` if the app starts, in
 * which case it is closed again). Start-up errors are returned, never turned into an exit.
 */
export async function startupError(
  module: Type<unknown> | DynamicModule,
  adapter: AdapterName,
): Promise<unknown> {
  let app: INestApplication | undefined;
  try {
    app = await NestFactory.create(module, httpAdapter(adapter), {
      logger: false,
      abortOnError: false,
    });
    await app.init();
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await app?.close();
  }
}
