import { LocalAppModule } from '../fixtures/local-app.module.js';
import { ADAPTERS, request, startApp, type RunningApp } from '../utils/http-app.js';
import { AUTH, expectError, expectStatus, login, peekClaims } from '../utils/jwt-e2e.js';
import { within } from '../utils/private-servers.js';
import { SHARED_BACKENDS, storeNamespace, type StoreNamespace } from '../utils/store-backends.js';

/** Every instance must see another's revocation within this bound (the README's figure). */
const PROPAGATION_BOUND_MS = 1000;

const guarded = (app: RunningApp, token: string) => request(`${app.url}/protected`, { token });
const refreshOn = (app: RunningApp, token: string) =>
  request(`${app.url}${AUTH}/refresh`, { method: 'POST', token });
const revokedOn = (app: RunningApp, token: string) => async () => {
  const answer = await guarded(app, token);
  if (answer.status === 200) return false;
  expectError(answer, 401, 'token_revoked');
  return true;
};

/**
 * Several app instances behind a load balancer share one store: what one revokes, the others
 * refuse within a second, a new instance refuses from its first request, rotation is atomic
 * across instances and the session registry is the same everywhere.
 */
describe.each(ADAPTERS)('instances sharing a store (%s)', (adapter) => {
  describe.each(SHARED_BACKENDS)('on %s', (backend) => {
    let namespace: StoreNamespace;
    let first: RunningApp;
    let second: RunningApp;
    const started: RunningApp[] = [];
    const start = async (): Promise<RunningApp> => {
      const app = await startApp(LocalAppModule.with({ store: namespace.store() }), adapter);
      started.push(app);
      return app;
    };

    beforeAll(async () => {
      namespace = storeNamespace(backend);
      first = await start();
      second = await start();
    });
    afterAll(async () => {
      for (const app of started) await app.close();
      await namespace?.drop();
    });

    it('logout on one instance makes the tokens fail on the other within a second', async () => {
      const pair = await login(first.url, 'user1', 'passwd');
      expectStatus(await guarded(second, pair.accessToken), 200);
      expectStatus(
        await request(`${first.url}${AUTH}/logout`, { method: 'POST', token: pair.accessToken }),
        200,
      );
      expectError(await guarded(first, pair.accessToken), 401, 'token_revoked'); // at once here
      await within(PROPAGATION_BOUND_MS, revokedOn(second, pair.accessToken));
      expectError(await refreshOn(second, pair.refreshToken), 401, 'token_revoked');
    });

    it('refresh consults the store, so a revoked refresh token fails everywhere at once', async () => {
      const pair = await login(first.url, 'user1', 'passwd');
      expectStatus(
        await request(`${first.url}${AUTH}/logout`, { method: 'POST', token: pair.refreshToken }),
        200,
      );
      expectError(await refreshOn(second, pair.refreshToken), 401, 'token_revoked');
    });

    it('a new instance started after a revocation refuses the revoked tokens', async () => {
      const revoked = await login(first.url, 'user1', 'passwd');
      const kept = await login(second.url, 'user1', 'passwd');
      expectStatus(
        await request(`${second.url}${AUTH}/logout`, {
          method: 'POST',
          token: revoked.accessToken,
        }),
        200,
      );
      const third = await start();
      expectError(await guarded(third, revoked.accessToken), 401, 'token_revoked');
      expectError(await refreshOn(third, revoked.refreshToken), 401, 'token_revoked');
      expectStatus(await guarded(third, kept.accessToken), 200);
    });

    it('reuse of a rotated refresh token kills the session on every instance', async () => {
      const pair = await login(first.url, 'user1', 'passwd');
      const rotated = await refreshOn(first, pair.refreshToken);
      expectStatus(rotated, 200);
      expect(rotated.body.refreshToken).toEqual(expect.any(String));
      expectStatus(await guarded(second, rotated.body.accessToken), 200);
      // The old refresh token comes back, on the other instance: the stolen-token case.
      expectError(await refreshOn(second, pair.refreshToken), 401, 'token_revoked');
      expectError(await refreshOn(first, rotated.body.refreshToken), 401, 'token_revoked');
      expectError(await guarded(second, rotated.body.accessToken), 401, 'token_revoked');
      await within(PROPAGATION_BOUND_MS, revokedOn(first, rotated.body.accessToken));
    });

    it('50 concurrent refreshes of one refresh token, on both instances, yield exactly one 200', async () => {
      const pair = await login(first.url, 'user1', 'passwd');
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          refreshOn(i % 2 === 0 ? first : second, pair.refreshToken),
        ),
      );
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      for (const answer of answers.filter((a) => a.status !== 200))
        expectError(answer, 401, 'token_revoked');
    });

    it('shares the session registry: listed and revocable from any instance', async () => {
      const agent = { 'user-agent': `e2e-${backend}-${adapter}` };
      const mine = await login(first.url, 'operator', 'operator', { headers: agent });
      const other = await login(second.url, 'operator', 'operator');
      const listed = await request(`${second.url}${AUTH}/sessions`, { token: other.accessToken });
      expectStatus(listed, 200);
      const sid = peekClaims(mine.accessToken).sid;
      const entry = listed.body.find((s: { id: string }) => s.id === sid);
      expect(entry).toMatchObject({ id: sid, userAgent: agent['user-agent'], current: false });
      expect(entry.ip).toEqual(expect.any(String));
      const removed = await request(`${second.url}${AUTH}/sessions/${sid}`, {
        method: 'DELETE',
        token: other.accessToken,
      });
      expect(removed.status).toBe(204);
      await within(PROPAGATION_BOUND_MS, revokedOn(first, mine.accessToken));
      expectStatus(await guarded(first, other.accessToken), 200);
      // Another user's session: 404, nothing revoked.
      const stranger = await login(first.url, 'user1', 'passwd');
      const refused = await request(
        `${second.url}${AUTH}/sessions/${peekClaims(stranger.accessToken).sid}`,
        {
          method: 'DELETE',
          token: other.accessToken,
        },
      );
      expect(refused.status).toBe(404);
      expectStatus(await guarded(second, stranger.accessToken), 200);
    });
  });
});
