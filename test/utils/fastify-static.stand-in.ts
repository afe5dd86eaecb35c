import { readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';

/**
 * What @nestjs/swagger asks of @fastify/static to serve Swagger UI's assets on Fastify: the
 * files of `root` under the plugin's `prefix`. Jest cannot load the real plugin on Node < 24.9 (it is
 * CommonJS and requires an ESM-only dependency, which plain Node does), so the in-process
 * suites register this stand-in with `jest.unstable_mockModule`; a child process checks the
 * real plugin.
 */
interface FastifyLike {
  get(
    path: string,
    handler: (request: { params: unknown }, reply: ReplyLike) => Promise<unknown>,
  ): void;
}

interface ReplyLike {
  code(status: number): ReplyLike;
  type(contentType: string): ReplyLike;
  send(body?: unknown): unknown;
}

const TYPES: Record<string, string> = {
  '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.png': 'image/png',
};

export default async function fastifyStaticStandIn(
  instance: FastifyLike,
  options: { root: string },
): Promise<void> {
  // Fastify prefixes the routes of a plugin registered with a `prefix` option by itself.
  instance.get('/:file', async (request, reply) => {
    const file = (request.params as { file: string }).file;
    if (file !== basename(file)) return reply.code(404).send();
    try {
      const body = await readFile(join(options.root, file));
      return reply.type(TYPES[extname(file)] ?? 'application/octet-stream').send(body);
    } catch {
      return reply.code(404).send();
    }
  });
}
