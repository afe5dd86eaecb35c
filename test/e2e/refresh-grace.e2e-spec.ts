import { LocalAppModule } from '../fixtures/local-app.module.js';
import { ADAPTERS, request, startApp, type RunningApp } from '../utils/http-app.js';
import { AUTH, expectError, login } from '../utils/jwt-e2e.js';

/** Concurrent refreshes of one client (two tabs) with and without `refreshReuseGrace`. */
describe.each(ADAPTERS)('refresh reuse grace on %s', (adapter) => {
  const race = (url: string, token: string, n: number) =>
    Promise.all(
      Array.from({ length: n }, () => request(`${url}${AUTH}/refresh`, { method: 'POST', token })),
    );

  describe('with a grace of 10 s', () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startApp(LocalAppModule.with({ refreshReuseGrace: 10 }), adapter);
    });
    afterAll(() => running.close());

    it('lets one of many concurrent refreshes win and keeps its session alive', async () => {
      const { refreshToken } = await login(running.url, 'user1', 'passwd');
      const answers = await race(running.url, refreshToken, 10);
      const won = answers.filter((a) => a.status === 200);
      expect(won).toHaveLength(1);
      for (const lost of answers.filter((a) => a.status !== 200))
        expectError(lost, 401, 'token_revoked');
      const profile = await request(`${running.url}/protected`, {
        token: won[0]!.body.accessToken,
      });
      expect(profile.status).toBe(200);
      const next = await request(`${running.url}${AUTH}/refresh`, {
        method: 'POST',
        token: won[0]!.body.refreshToken,
      });
      expect(next.status).toBe(200);
    });
  });

  describe('without grace (the default)', () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startApp(LocalAppModule.with(), adapter);
    });
    afterAll(() => running.close());

    it('treats a concurrent second use as theft: the session dies, the winner too', async () => {
      const { refreshToken } = await login(running.url, 'user1', 'passwd');
      const answers = await race(running.url, refreshToken, 10);
      const won = answers.filter((a) => a.status === 200);
      expect(won).toHaveLength(1);
      const profile = await request(`${running.url}/protected`, {
        token: won[0]!.body.accessToken,
      });
      expectError(profile, 401, 'token_revoked');
    });
  });
});
