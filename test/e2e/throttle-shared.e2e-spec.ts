import { LocalAppModule } from '../fixtures/local-app.module.js';
import { ADAPTERS, request, startApp, type RunningApp } from '../utils/http-app.js';
import { AUTH, expectError } from '../utils/jwt-e2e.js';
import { storeNamespace, type StoreNamespace } from '../utils/store-backends.js';

/**
 * With a RedisTokenStore, the login throttle counts in Redis: the limit holds across instances,
 * a success on one instance resets the count everywhere.
 */
describe.each(ADAPTERS)('login throttle shared through Redis (%s)', (adapter) => {
  let namespace: StoreNamespace;
  let first: RunningApp;
  let second: RunningApp;
  const loginThrottle = { limit: 3, ipLimit: 1000, ttl: 60, blockDuration: 30 };

  beforeAll(async () => {
    namespace = storeNamespace('redis');
    first = await startApp(
      LocalAppModule.with({ store: namespace.store(), loginThrottle }),
      adapter,
    );
    second = await startApp(
      LocalAppModule.with({ store: namespace.store(), loginThrottle }),
      adapter,
    );
  });
  afterAll(async () => {
    await first.close();
    await second.close();
    await namespace.drop();
  });

  const attempt = (app: RunningApp, login: string, password: string) =>
    request(`${app.url}${AUTH}/login`, { method: 'POST', json: { login, password } });

  it('blocks a login name after attempts spread over two instances, on both', async () => {
    expectError(await attempt(first, 'user1', 'bad'), 401, 'invalid_credentials');
    expectError(await attempt(second, 'user1', 'bad'), 401, 'invalid_credentials');
    expectError(await attempt(first, 'user1', 'bad'), 401, 'invalid_credentials');
    for (const app of [second, first]) {
      const blocked = await attempt(app, 'user1', 'passwd');
      expectError(blocked, 429, 'too_many_attempts');
      const retryAfter = Number(blocked.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(30);
    }
  });

  it('resets a login name everywhere after a success on one instance', async () => {
    expectError(await attempt(first, 'admin', 'bad'), 401, 'invalid_credentials');
    expectError(await attempt(second, 'admin', 'bad'), 401, 'invalid_credentials');
    expect((await attempt(first, 'admin', 'admin')).status).toBe(200);
    expectError(await attempt(second, 'admin', 'bad'), 401, 'invalid_credentials');
    expectError(await attempt(first, 'admin', 'bad'), 401, 'invalid_credentials');
    expect((await attempt(second, 'admin', 'admin')).status).toBe(200);
  });
});
