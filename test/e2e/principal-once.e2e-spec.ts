import { jest } from '@jest/globals';
import { JwtTokenService } from 'nest-jwt-security';
import { CountingPrincipals, DoubleGuardModule } from '../fixtures/double-guard.module.js';
import { ADAPTERS, request, startApp, type RunningApp } from '../utils/http-app.js';
import { expectError, login } from '../utils/jwt-e2e.js';

/**
 * An app-wide `JwtAuthGuard` (`APP_GUARD`) and a route's own guard both run on one request: the
 * token is verified once and the `PrincipalLoader` runs once, and the route's requirements are
 * still enforced.
 */
describe.each(ADAPTERS)('two guards on one request (%s)', (adapter) => {
  let running: RunningApp;
  let principals: CountingPrincipals;
  let check: ReturnType<typeof jest.spyOn>;
  let user: string;
  let admin: string;

  beforeAll(async () => {
    running = await startApp(DoubleGuardModule.with(), adapter);
    principals = running.app.get(CountingPrincipals);
    const tokens = running.app.get(JwtTokenService);
    check = jest.spyOn(tokens, 'check');
    user = (await login(running.url, 'user1', 'passwd')).accessToken;
    admin = (await login(running.url, 'admin', 'admin')).accessToken;
  });
  afterAll(() => running.close());
  beforeEach(() => {
    principals.calls = 0;
    check.mockClear();
  });

  it('APP_GUARD + @UseGuards(JwtAuthGuard): one verification, one principal load', async () => {
    const answer = await request(`${running.url}/twice`, { token: user });
    expect({ status: answer.status, body: answer.body }).toEqual({
      status: 200,
      body: { sub: 'users:user1' },
    });
    expect({ loads: principals.calls, verifications: check.mock.calls.length }).toEqual({
      loads: 1,
      verifications: 1,
    });
  });

  it("APP_GUARD + @UseGuards(AuthGuard('jwt-security')): one principal load", async () => {
    const answer = await request(`${running.url}/twice/passport`, { token: user });
    expect({ status: answer.status, body: answer.body }).toEqual({
      status: 200,
      body: { sub: 'users:user1' },
    });
    expect(principals.calls).toBe(1);
  });

  it('each request loads its own principal', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await request(`${running.url}/twice`, { token: user })).status).toBe(200);
    }
    expect(principals.calls).toBe(3);
  });

  it('the requirements still hold: @RequireScopes refuses, and admits the admin once', async () => {
    expectError(
      await request(`${running.url}/twice/admin`, { token: user }),
      403,
      'insufficient_scope',
    );
    principals.calls = 0;
    const answer = await request(`${running.url}/twice/admin`, { token: admin });
    expect({ status: answer.status, body: answer.body }).toEqual({
      status: 200,
      body: { sub: 'users:admin' },
    });
    expect(principals.calls).toBe(1);
  });
});
