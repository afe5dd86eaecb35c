import { ADAPTERS, request, startApp, type RunningApp } from '../utils/http-app.js';
import { AUTH, expectError, expectStatus, login, peekClaims, refresh } from '../utils/jwt-e2e.js';
import { LocalAppModule } from '../fixtures/local-app.module.js';

interface Session {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  userAgent: string | null;
  ip: string | null;
  current: boolean;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

/** `GET /sessions` and `DELETE /sessions/:id`, over an RS256 app. */
describe.each(ADAPTERS)('sessions (%s)', (adapter) => {
  let running: RunningApp;
  let base: string;
  /** A user of its own per platform run, so that sessions of other tests do not show up. */
  const sessionsOf = async (token: string): Promise<Session[]> => {
    const answer = await request(`${base}${AUTH}/sessions`, { token });
    expectStatus(answer, 200);
    return answer.body;
  };
  const sidOf = (token: string): string => peekClaims(token).sid as string;

  beforeAll(async () => {
    running = await startApp(LocalAppModule.with({}, 'RS256'), adapter);
    base = running.url;
  });
  afterAll(() => running.close());

  it("lists the caller's sessions with id, times, user agent, ip and current", async () => {
    const laptop = await login(base, 'operator', 'operator', {
      headers: { 'user-agent': 'e2e-laptop/1.0' },
    });
    const phone = await login(base, 'operator', 'operator', {
      headers: { 'user-agent': 'e2e-phone/2.0' },
    });
    const sessions = await sessionsOf(phone.accessToken);
    const mine = sessions.filter((s) =>
      [sidOf(laptop.accessToken), sidOf(phone.accessToken)].includes(s.id),
    );
    expect(mine).toHaveLength(2);
    for (const session of mine) {
      expect(Object.keys(session).sort()).toEqual(
        ['createdAt', 'current', 'expiresAt', 'id', 'ip', 'lastUsedAt', 'userAgent'].sort(),
      );
      expect(session.createdAt).toMatch(ISO);
      expect(session.lastUsedAt).toMatch(ISO);
      expect(session.expiresAt).toMatch(ISO);
      expect(Date.parse(session.expiresAt) - Date.parse(session.createdAt)).toBe(604800 * 1000);
      expect(session.ip).toMatch(/127\.0\.0\.1$/);
    }
    const byId = new Map(mine.map((s) => [s.id, s]));
    expect(byId.get(sidOf(phone.accessToken))).toMatchObject({
      userAgent: 'e2e-phone/2.0',
      current: true,
    });
    expect(byId.get(sidOf(laptop.accessToken))).toMatchObject({
      userAgent: 'e2e-laptop/1.0',
      current: false,
    });
    // The other session sees itself as current.
    const fromLaptop = await sessionsOf(laptop.accessToken);
    expect(fromLaptop.find((s) => s.current)?.id).toBe(sidOf(laptop.accessToken));
  });

  it("lists only the caller's own sessions", async () => {
    const admin = await login(base, 'admin', 'admin');
    const user = await login(base, 'user1', 'passwd');
    const ids = (await sessionsOf(user.accessToken)).map((s) => s.id);
    expect(ids).toContain(sidOf(user.accessToken));
    expect(ids).not.toContain(sidOf(admin.accessToken));
  });

  it('a refreshed session stays one session', async () => {
    const first = await login(base, 'user1', 'passwd');
    const renewed = await refresh(base, first.refreshToken);
    const sessions = await sessionsOf(renewed.accessToken);
    expect(sessions.filter((s) => s.id === sidOf(first.accessToken))).toEqual([
      expect.objectContaining({ current: true }),
    ]);
  });

  it('lastUsedAt moves on a refresh, createdAt stays', async () => {
    const first = await login(base, 'user1', 'passwd');
    const sid = sidOf(first.accessToken);
    const before = (await sessionsOf(first.accessToken)).find((s) => s.id === sid)!;
    expect(before.lastUsedAt).toBe(before.createdAt);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // times have a second's precision
    const renewed = await refresh(base, first.refreshToken);
    const after = (await sessionsOf(renewed.accessToken)).find((s) => s.id === sid)!;
    expect(after.createdAt).toBe(before.createdAt);
    expect(Date.parse(after.lastUsedAt)).toBeGreaterThan(Date.parse(before.lastUsedAt));
    expect(Date.parse(after.lastUsedAt)).toBeLessThanOrEqual(Date.now());
  });

  it("DELETE /sessions/:id answers 204 and that session's tokens fail", async () => {
    const victim = await login(base, 'user1', 'passwd');
    const other = await login(base, 'user1', 'passwd');
    const answer = await request(`${base}${AUTH}/sessions/${sidOf(victim.accessToken)}`, {
      method: 'DELETE',
      token: other.accessToken,
    });
    expectStatus(answer, 204);
    expect(answer.body).toBeUndefined();
    expectError(
      await request(`${base}/protected`, { token: victim.accessToken }),
      401,
      'token_revoked',
    );
    expectError(
      await request(`${base}${AUTH}/verify`, { method: 'POST', token: victim.accessToken }),
      401,
      'token_revoked',
    );
    expectError(
      await request(`${base}${AUTH}/refresh`, { method: 'POST', token: victim.refreshToken }),
      401,
      'token_revoked',
    );
    const ids = (await sessionsOf(other.accessToken)).map((s) => s.id);
    expect(ids).not.toContain(sidOf(victim.accessToken));
    expect(ids).toContain(sidOf(other.accessToken));
  });

  it('deleting the current session logs the caller out', async () => {
    const { accessToken, refreshToken } = await login(base, 'user1', 'passwd');
    expectStatus(
      await request(`${base}${AUTH}/sessions/${sidOf(accessToken)}`, {
        method: 'DELETE',
        token: accessToken,
      }),
      204,
    );
    expectError(
      await request(`${base}${AUTH}/sessions`, { token: accessToken }),
      401,
      'token_revoked',
    );
    expectError(
      await request(`${base}${AUTH}/token`, { method: 'PATCH', token: refreshToken }),
      401,
      'token_revoked',
    );
  });

  it('a logged-out session leaves the list', async () => {
    const gone = await login(base, 'admin', 'admin');
    const stay = await login(base, 'admin', 'admin');
    expectStatus(
      await request(`${base}${AUTH}/logout`, { method: 'POST', token: gone.accessToken }),
      200,
    );
    const ids = (await sessionsOf(stay.accessToken)).map((s) => s.id);
    expect(ids).not.toContain(sidOf(gone.accessToken));
    expect(ids).toContain(sidOf(stay.accessToken));
  });

  it('sessions need an access token', async () => {
    const { refreshToken } = await login(base, 'user1', 'passwd');
    expectError(
      await request(`${base}${AUTH}/sessions`, { token: refreshToken }),
      401,
      'token_wrong_type',
    );
    expectError(
      await request(`${base}${AUTH}/sessions/${sidOf(refreshToken)}`, {
        method: 'DELETE',
        token: refreshToken,
      }),
      401,
      'token_wrong_type',
    );
    expectError(await request(`${base}${AUTH}/sessions`), 401, 'token_missing');
  });
});
