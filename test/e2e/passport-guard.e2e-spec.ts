import { ADAPTERS, request, startApp, type RunningApp } from '../utils/http-app.js';
import {
  AUTH,
  accessClaims,
  expectError,
  expectStatus,
  login,
  signToken,
  tamperSignature,
} from '../utils/jwt-e2e.js';
import { E2E_ALGORITHMS, fixtureKeys } from '../fixtures/keys.fixture.js';
import { LocalAppModule } from '../fixtures/local-app.module.js';

type TokenCase = [name: string, status: number, code: string | undefined];

/** What each kind of token must answer, through either guard. */
const TOKENS: TokenCase[] = [
  ['valid', 200, undefined],
  ['expired', 401, 'token_expired'],
  ['bad signature', 401, 'token_invalid'],
  ['signed by another key', 401, 'token_invalid'],
  ['wrong type', 401, 'token_wrong_type'],
  ['revoked', 401, 'token_revoked'],
  ['missing', 401, 'token_missing'],
  ['malformed', 401, 'token_malformed'],
];

/**
 * `AuthGuard('jwt-security')` from @nestjs/passport answers like `JwtAuthGuard` (status and
 * code) for every kind of token and every key family, and `JwtObjectGuard` after it enforces
 * `@RequireScopes`. Passport registers strategies process-wide: one app runs at a time here.
 */
describe.each(ADAPTERS)('AuthGuard(jwt-security) and JwtAuthGuard agree (%s)', (adapter) => {
  describe.each(E2E_ALGORITHMS)('%s', (alg) => {
    let running: RunningApp;
    let base: string;
    const tokens = new Map<string, string | undefined>();

    beforeAll(async () => {
      running = await startApp(LocalAppModule.with({}, alg), adapter);
      base = running.url;
      const { signingKey } = fixtureKeys(alg);
      const now = Math.floor(Date.now() / 1000);
      const valid = await login(base, 'user1', 'passwd');
      const revoked = await login(base, 'user1', 'passwd');
      expectStatus(
        await request(`${base}${AUTH}/logout`, { method: 'POST', token: revoked.accessToken }),
        200,
      );
      tokens.set('valid', valid.accessToken);
      tokens.set(
        'expired',
        await signToken(
          alg,
          signingKey,
          accessClaims('users:user1', { iat: now - 120, exp: now - 60 }),
        ),
      );
      tokens.set('bad signature', tamperSignature(valid.accessToken));
      tokens.set(
        'signed by another key',
        await signToken(alg, fixtureKeys(alg, 1).signingKey, accessClaims()),
      );
      tokens.set('wrong type', valid.refreshToken);
      tokens.set('revoked', revoked.accessToken);
      tokens.set('missing', undefined);
      tokens.set('malformed', 'not-a-jwt');
    });
    afterAll(() => running.close());

    it.each(TOKENS)('%s token: %i %s through both guards', async (name, status, code) => {
      const token = tokens.get(name);
      const init = token === undefined ? {} : { token };
      const viaJwtAuthGuard = await request(`${base}/protected`, init);
      const viaPassport = await request(`${base}/passport`, init);
      if (code === undefined) {
        expectStatus(viaJwtAuthGuard, status);
        expectStatus(viaPassport, status);
        expect(viaPassport.body).toEqual(viaJwtAuthGuard.body);
        return;
      }
      expectError(viaJwtAuthGuard, status, code);
      expectError(viaPassport, status, code);
      // The same RFC 6750 challenge on Express and Fastify (SPEC §4).
      expect(viaPassport.headers.get('www-authenticate')).toBe(
        viaJwtAuthGuard.headers.get('www-authenticate'),
      );
      expect(viaPassport.headers.get('www-authenticate')).toMatch(/^Bearer realm="api"/);
    });

    it('JwtObjectGuard after AuthGuard(jwt-security) enforces @RequireScopes', async () => {
      const user = await login(base, 'user1', 'passwd');
      const admin = await login(base, 'admin', 'admin');
      const operator = await login(base, 'operator', 'operator');
      const forbidden = await request(`${base}/passport/admin`, { token: user.accessToken });
      expectError(forbidden, 403, 'insufficient_scope');
      expect(forbidden.headers.get('www-authenticate')).toMatch(
        /^Bearer realm="api", error="insufficient_scope", scope="admin"$/,
      );
      for (const [token, sub] of [
        [admin.accessToken, 'users:admin'],
        [operator.accessToken, 'users:operator'],
      ] as const) {
        const answer = await request(`${base}/passport/admin`, { token });
        expectStatus(answer, 200);
        expect(answer.body).toEqual({ sub });
      }
      expectError(
        await request(`${base}/passport/admin`, { token: admin.refreshToken }),
        401,
        'token_wrong_type',
      );
      expectError(await request(`${base}/passport/admin`), 401, 'token_missing');
    });
  });
});
