import { randomUUID } from 'node:crypto';
import type { INestApplication, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import pg from 'pg';
import {
  MemoryTokenStore,
  PostgresTokenStore,
  RedisTokenStore,
  TokenStore,
} from 'nest-jwt-security';
import { AppModule } from '../../sample/app.module.js';
import { ADAPTERS, httpAdapter, request, type AdapterName } from '../utils/http-app.js';
import { AUTH, expectError, expectStatus, login } from '../utils/jwt-e2e.js';
import { DATABASE_URL, REDIS_URL, within } from '../utils/private-servers.js';
import { dropRedisPrefix } from '../utils/store-backends.js';

/** The revocation propagation bound the README documents. */
const PROPAGATION_BOUND_MS = 1000;
/** A logical Redis database of this suite's own, so that the sample's default prefix is safe. */
const REDIS_DB = 11;

/** Every message an app logs, by level. */
class CapturedLogs implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown): void {
    this.lines.push(`log ${String(message)}`);
  }
  error(message: unknown): void {
    this.lines.push(`error ${String(message)}`);
  }
  warn(message: unknown): void {
    this.lines.push(`warn ${String(message)}`);
  }
  debug(): void {}
  verbose(): void {}
}

/** Where one `JWT_STORE` value points, made and dropped by the suite. */
interface Target {
  url: string;
  kind: new (...args: never[]) => TokenStore;
  shared: boolean;
  drop(): Promise<void>;
}

async function target(backend: 'memory' | 'redis' | 'postgres'): Promise<Target> {
  if (backend === 'memory') {
    return { url: 'memory', kind: MemoryTokenStore, shared: false, drop: async () => undefined };
  }
  if (backend === 'redis') {
    const url = new URL(REDIS_URL);
    url.pathname = `/${REDIS_DB}`;
    return {
      url: url.toString(),
      kind: RedisTokenStore,
      shared: true,
      async drop() {
        const client = new Redis(url.toString());
        await dropRedisPrefix(client, 'jwt-security:');
        await client.quit();
      },
    };
  }
  // A database of its own: the sample writes to the default public.jwt_security_* tables.
  const database = `jwt_sample_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = async (sql: string): Promise<void> => {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query(sql);
    await client.end();
  };
  await admin(`CREATE DATABASE "${database}"`);
  const url = new URL(DATABASE_URL);
  url.pathname = `/${database}`;
  return {
    url: url.toString(),
    kind: PostgresTokenStore,
    shared: true,
    drop: () => admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`),
  };
}

/** The sample's environment for this suite: one HS256 secret, so instances accept each other's tokens. */
function sampleEnv(store: string): Record<string, string> {
  return {
    JWT_STORE: store,
    JWT_ALGORITHM: 'HS256',
    JWT_SECRET: 'stores-sample-e2e-secret-0123456789-abcdefghijklmnop',
    JWT_LOGIN_THROTTLE: 'off',
    JWT_TOKEN_LOCATION: 'header',
  };
}

/**
 * The sample's `JWT_STORE` (SPEC §6): `memory`, a `redis://` URL or a `postgres://` URL picks
 * the store. With a shared store, a logout on one sample instance is refused by another.
 */
describe.each(ADAPTERS)('sample app: JWT_STORE (%s)', (adapter: AdapterName) => {
  describe.each(['memory', 'redis', 'postgres'] as const)('%s', (backend) => {
    let where: Target;
    const apps: Array<{ app: INestApplication; url: string; logs: CapturedLogs }> = [];
    const saved: Record<string, string | undefined> = {};

    /** Starts the sample's AppModule with the suite's environment, capturing its logs. */
    const start = async () => {
      const logs = new CapturedLogs();
      const app = await NestFactory.create(AppModule, httpAdapter(adapter), { logger: logs });
      await app.listen(0, '127.0.0.1');
      const { port } = app.getHttpServer().address() as { port: number };
      const running = { app, url: `http://127.0.0.1:${port}`, logs };
      apps.push(running);
      return running;
    };

    beforeAll(async () => {
      where = await target(backend);
      for (const [name, value] of Object.entries(sampleEnv(where.url))) {
        saved[name] = process.env[name];
        process.env[name] = value;
      }
    });
    afterAll(async () => {
      for (const { app } of apps) await app.close();
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await where?.drop();
    });

    it('uses the store JWT_STORE names, and says so at start-up for the memory one', async () => {
      const { app, logs } = await start();
      expect(app.get(TokenStore)).toBeInstanceOf(where.kind);
      const warning = logs.lines.filter((line) => /MemoryTokenStore/.test(line));
      if (backend === 'memory') {
        expect(warning).toEqual([
          'log MemoryTokenStore: sessions and revocations live in this process only and are lost on restart',
        ]);
      } else {
        expect(warning).toEqual([]);
      }
      // Nothing logged at start-up carries the secret.
      expect(logs.lines.join('\n')).not.toContain(sampleEnv('').JWT_SECRET);
    });

    it('a logout on one instance is refused by another exactly when the store is shared', async () => {
      const first = apps[0] ?? (await start());
      const second = await start();
      const pair = await login(first.url, 'user1', 'passwd');
      expectStatus(await request(`${second.url}/profile`, { token: pair.accessToken }), 200);
      expectStatus(
        await request(`${first.url}${AUTH}/logout`, { method: 'POST', token: pair.accessToken }),
        200,
      );
      expectError(
        await request(`${first.url}/profile`, { token: pair.accessToken }),
        401,
        'token_revoked',
      );
      if (where.shared) {
        await within(PROPAGATION_BOUND_MS, async () => {
          const answer = await request(`${second.url}/profile`, { token: pair.accessToken });
          return answer.status === 401 && answer.body?.code === 'token_revoked';
        });
        expectError(
          await request(`${second.url}${AUTH}/refresh`, {
            method: 'POST',
            token: pair.refreshToken,
          }),
          401,
          'token_revoked',
        );
      } else {
        // Per process: the other instance never hears of it, and never knew the session.
        await new Promise((resolve) => setTimeout(resolve, 600));
        expectStatus(await request(`${second.url}/profile`, { token: pair.accessToken }), 200);
        expectError(
          await request(`${second.url}${AUTH}/refresh`, {
            method: 'POST',
            token: pair.refreshToken,
          }),
          401,
          'token_revoked',
        );
      }
    });
  });
});
