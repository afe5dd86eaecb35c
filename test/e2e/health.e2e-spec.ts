import { JwtSecurityHealthIndicator, RedisTokenStore } from 'nest-jwt-security';
import { HealthAppModule } from '../fixtures/health-app.module.js';
import { LocalAppModule } from '../fixtures/local-app.module.js';
import { Authority } from '../fixtures/proxy/authority.fixture.js';
import { timed, waitUntil } from '../fixtures/proxy/helpers.js';
import { signingOptions } from '../fixtures/proxy/keys.fixture.js';
import { PROXY_DEFAULTS, ProxyAppModule } from '../fixtures/proxy/proxy-app.fixture.js';
import { ADAPTERS, request, startApp, type RunningApp } from '../utils/http-app.js';
import { expectStatus, login } from '../utils/jwt-e2e.js';
import { freePort, PrivateRedis } from '../utils/private-servers.js';
import { AppModule } from '../../sample/app.module.js';

const KEY = 'jwt-security';

describe.each(ADAPTERS)('GET /health with JwtSecurityHealthIndicator (%s)', (adapter) => {
  describe('the sample, memory store', () => {
    let running: RunningApp;

    beforeAll(async () => {
      running = await startApp(AppModule, adapter);
    });
    afterAll(() => running.close());

    it('is up, with the store', async () => {
      const answer = await request(`${running.url}/health`);
      expectStatus(answer, 200);
      expect(answer.body).toEqual({
        status: 'ok',
        info: {
          [KEY]: {
            status: 'up',
            mode: 'local',
            store: { status: 'up', type: 'MemoryTokenStore', responseTime: expect.any(Number) },
          },
        },
        error: {},
        details: expect.objectContaining({ [KEY]: expect.any(Object) }),
      });
    });

    it('checks the store or the authority alone under the key given', async () => {
      const health = running.app.get(JwtSecurityHealthIndicator);
      expect(await health.checkStore('store')).toEqual({
        store: { status: 'up', type: 'MemoryTokenStore', responseTime: expect.any(Number) },
      });
      // Local mode: no authority to probe.
      expect(await health.checkAuthority()).toEqual({
        'jwt-security-authority': { status: 'up', mode: 'local' },
      });
    });
  });

  describe('a Redis store at a closed port', () => {
    let running: RunningApp;
    let url: string;

    beforeAll(async () => {
      url = `redis://:health-secret@127.0.0.1:${await freePort()}`;
      running = await startApp(
        HealthAppModule.with(
          LocalAppModule.with({ store: new RedisTokenStore({ url }), storeTimeout: 500 }),
        ),
        adapter,
      );
    });
    afterAll(() => running.close());

    it('answers 503 at once, the store down, and names no URL or secret', async () => {
      for (let round = 0; round < 2; round++) {
        const { result: answer, ms } = await timed(() => request(`${running.url}/health`));
        expectStatus(answer, 503);
        expect(ms).toBeLessThan(1000);
        expect(answer.body).toMatchObject({
          status: 'error',
          info: {},
          error: {
            [KEY]: {
              status: 'down',
              mode: 'local',
              store: { status: 'down', type: 'RedisTokenStore', message: expect.any(String) },
            },
          },
        });
        const text = JSON.stringify(answer.body);
        expect(text).not.toContain('health-secret');
        expect(text).not.toContain(new URL(url).port);
      }
    });
  });

  describe('a Redis store that stops answering', () => {
    let redis: PrivateRedis;
    let running: RunningApp;

    beforeAll(async () => {
      redis = await PrivateRedis.start();
      const store = new RedisTokenStore({ url: redis.url, commandTimeout: 5000 });
      running = await startApp(
        HealthAppModule.with(LocalAppModule.with({ store, storeTimeout: 300 })),
        adapter,
      );
    });
    afterAll(async () => {
      redis?.resume();
      await running?.close();
      await redis?.kill();
    });

    it('is down after storeTimeout, and up again when it answers', async () => {
      expectStatus(await request(`${running.url}/health`), 200);
      redis.pause();
      const { result: answer, ms } = await timed(() => request(`${running.url}/health`));
      expectStatus(answer, 503);
      expect(ms).toBeGreaterThanOrEqual(250);
      expect(ms).toBeLessThan(1000);
      expect(answer.body.error[KEY].store).toEqual({
        status: 'down',
        type: 'RedisTokenStore',
        responseTime: expect.any(Number),
        message: 'no answer within 300 ms',
      });
      redis.resume();
      expectStatus(await request(`${running.url}/health`), 200);
    });
  });

  describe('proxy mode', () => {
    let authority: Authority;
    let proxy: RunningApp;

    beforeAll(async () => {
      authority = await Authority.start(signingOptions('RS256', 'A'), adapter);
      proxy = await startApp(
        HealthAppModule.with(ProxyAppModule.with(authority.url, { algorithm: 'RS256' })),
        adapter,
      );
    });
    afterAll(async () => {
      await proxy?.close();
      await authority?.stop();
    });

    it('reports the authority up while it answers', async () => {
      const answer = await request(`${proxy.url}/health`);
      expectStatus(answer, 200);
      expect(answer.body.info[KEY]).toEqual({
        status: 'up',
        mode: 'proxy',
        store: { status: 'up', type: 'MemoryTokenStore', responseTime: expect.any(Number) },
        authority: { status: 'up', httpStatus: 200, responseTime: expect.any(Number) },
      });
      expect(authority.log.count('GET jwks')).toBeGreaterThan(0);
      await login(proxy.url, 'user1', 'passwd');
    });

    it('reports a slow authority down after authorityTimeout', async () => {
      authority.delayMs = PROXY_DEFAULTS.authorityTimeout + 250;
      const started = Date.now();
      try {
        const { result: answer, ms } = await timed(() => request(`${proxy.url}/health`));
        expectStatus(answer, 503);
        expect(ms).toBeLessThan(PROXY_DEFAULTS.authorityTimeout + 500);
        expect(answer.body.error[KEY].authority).toEqual({
          status: 'down',
          responseTime: expect.any(Number),
          message: `no answer within ${PROXY_DEFAULTS.authorityTimeout} ms`,
        });
      } finally {
        // Let the held request reach the authority, so that it can be stopped cleanly later.
        await waitUntil(started, authority.delayMs + 100);
        authority.delayMs = 0;
      }
      expectStatus(await request(`${proxy.url}/health`), 200);
    });

    it('reports the authority down, within authorityTimeout, once it is stopped', async () => {
      await authority.stop();
      const { result: answer, ms } = await timed(() => request(`${proxy.url}/health`));
      expectStatus(answer, 503);
      expect(ms).toBeLessThan(PROXY_DEFAULTS.authorityTimeout + 500);
      expect(answer.body.error[KEY]).toEqual({
        status: 'down',
        mode: 'proxy',
        store: { status: 'up', type: 'MemoryTokenStore', responseTime: expect.any(Number) },
        authority: {
          status: 'down',
          responseTime: expect.any(Number),
          message: 'unreachable (ECONNREFUSED)',
        },
      });
      expect(JSON.stringify(answer.body)).not.toContain(authority.url);
    });

    it('is up again once the authority is back', async () => {
      await authority.restart();
      const answer = await request(`${proxy.url}/health`);
      expectStatus(answer, 200);
      expect(answer.body.info[KEY].authority.status).toBe('up');
    });
  });
});
