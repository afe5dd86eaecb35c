import { createSecretKey } from 'node:crypto';
import { ADAPTERS, request, startApp, type RunningApp } from '../utils/http-app.js';
import {
  AUTH,
  accessClaims,
  expectError,
  expectStatus,
  login,
  peekClaims,
  refresh,
  signToken,
  tamperSignature,
} from '../utils/jwt-e2e.js';
import { fixtureKeys } from '../fixtures/keys.fixture.js';
import { Authority } from '../fixtures/proxy/authority.fixture.js';
import { delay, visible } from '../fixtures/proxy/helpers.js';
import { ProxyAppModule } from '../fixtures/proxy/proxy-app.fixture.js';

/** Seconds the proxy reuses an answer of the authority's claims route. */
const CLAIMS_TTL = 2;

/**
 * An HMAC authority publishes no JWKS (404): the proxy cannot verify signatures itself, so it
 * asks the authority's claims route (`GET /token?obj=`) and reuses a success for a short TTL.
 */
describe.each(ADAPTERS)('proxy of an HS256 authority: claims route and cache (%s)', (adapter) => {
  let authority: Authority;
  let proxy: RunningApp;
  const asked = (): number => authority.log.count('GET token');
  const profile = (token: string) => request(`${proxy.url}/profile`, { token });

  beforeAll(async () => {
    authority = await Authority.start(fixtureKeys('HS256').options, adapter);
    proxy = await startApp(
      ProxyAppModule.with(authority.url, { algorithm: 'HS256', claimsCacheTtl: CLAIMS_TTL }),
      adapter,
    );
  });
  afterAll(async () => {
    await proxy?.close();
    await authority?.stop();
  });

  it('GET /jwks: the authority’s 404 comes back unchanged', async () => {
    const direct = await request(`${authority.url}${AUTH}/jwks`);
    const proxied = await request(`${proxy.url}${AUTH}/jwks`);
    expectError(proxied, 404, 'not_found');
    expect(visible(proxied)).toEqual(visible(direct));
  });

  it('asks GET /token?obj=access once per token, then reuses the answer within the TTL', async () => {
    const user = await login(proxy.url, 'user1', 'passwd');
    const admin = await login(proxy.url, 'admin', 'admin');
    authority.log.reset();
    for (let i = 0; i < 5; i++) {
      const answer = await profile(user.accessToken);
      expectStatus(answer, 200);
      expect(answer.body).toEqual(peekClaims(user.accessToken));
    }
    expectError(
      await request(`${proxy.url}/admin`, { token: user.accessToken }),
      403,
      'insufficient_scope',
    );
    expect(asked()).toBe(1);
    expect(authority.log.queries('GET token')).toEqual(['?obj=access']);

    expectStatus(await request(`${proxy.url}/admin`, { token: admin.accessToken }), 200);
    expectStatus(await profile(admin.accessToken), 200);
    expect(asked()).toBe(2);
    expect(authority.log.count()).toBe(2);
  });

  it('a refused token is never cached: asked again each time, and still refused', async () => {
    const user = await login(proxy.url, 'user1', 'passwd');
    const forged = tamperSignature(user.accessToken);
    authority.log.reset();
    expectError(await profile(forged), 401, 'token_invalid');
    expectError(await profile(forged), 401, 'token_invalid');
    expect(asked()).toBe(2);
    // The refusal did not poison the valid token of the same session.
    expectStatus(await profile(user.accessToken), 200);
    expect(asked()).toBe(3);
    expectError(await profile(forged), 401, 'token_invalid');
    expect(asked()).toBe(4);

    expectError(await profile(user.refreshToken), 401, 'token_wrong_type');
    expectError(await profile(user.refreshToken), 401, 'token_wrong_type');
    expect(asked()).toBe(6);
  });

  it('other secret, expired and malformed tokens are refused with the authority’s code', async () => {
    const secret = fixtureKeys('HS256').signingKey;
    const otherSecret = createSecretKey(Buffer.from(`${'x'.repeat(48)}`));
    const now = Math.floor(Date.now() / 1000);
    const expired = await signToken(
      'HS256',
      secret,
      accessClaims('users:user1', { iat: now - 120, exp: now - 60 }),
    );
    const stranger = await signToken('HS256', otherSecret, accessClaims());
    authority.log.reset();
    expectError(await profile(expired), 401, 'token_expired');
    expectError(await profile(stranger), 401, 'token_invalid');
    expect(asked()).toBe(2);
    // Not even a JWT: refused by the proxy without asking.
    expectError(await profile('not-a-jwt'), 401, 'token_malformed');
    expect(asked()).toBe(2);
  });

  it('concurrent requests with one token share one claims request', async () => {
    const pair = await login(proxy.url, 'user1', 'passwd');
    authority.log.reset();
    // The authority takes its time, so that every request arrives while the first is asked.
    authority.delayMs = 200;
    try {
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => profile(pair.accessToken)),
      );
      for (const answer of answers) expectStatus(answer, 200);
    } finally {
      authority.delayMs = 0;
    }
    expect(asked()).toBe(1);
  });

  it('a refresh-only route shown an access token: the authority’s token_wrong_type, unchanged', async () => {
    const pair = await login(proxy.url, 'user1', 'passwd');
    const direct = await request(`${authority.url}${AUTH}/token?obj=refresh`, {
      token: pair.accessToken,
    });
    const guarded = await request(`${proxy.url}/renewal`, { token: pair.accessToken });
    expectError(guarded, 401, 'token_wrong_type');
    expect(guarded.body).toEqual(direct.body);
    const ok = await request(`${proxy.url}/renewal`, { token: pair.refreshToken });
    expectStatus(ok, 200);
    expect(ok.body).toEqual({ sid: peekClaims(pair.refreshToken).sid });
  });

  it('refresh through the proxy; the new access token is accepted', async () => {
    const pair = await login(proxy.url, 'user1', 'passwd');
    const renewed = await refresh(proxy.url, pair.refreshToken);
    const answer = await profile(renewed.accessToken);
    expectStatus(answer, 200);
    expect(answer.body).toMatchObject({ sub: 'users:user1', obj: 'access' });
  });

  it('logout through the proxy takes effect on the proxy at once, cached answer or not', async () => {
    const pair = await login(proxy.url, 'user1', 'passwd');
    expectStatus(await profile(pair.accessToken), 200);
    expectStatus(
      await request(`${proxy.url}${AUTH}/logout`, { method: 'POST', token: pair.accessToken }),
      200,
    );
    expectError(await profile(pair.accessToken), 401, 'token_revoked');
  });

  it('once the TTL is over the authority is asked again, and sees a logout made elsewhere', async () => {
    const pair = await login(proxy.url, 'user1', 'passwd');
    expectStatus(await profile(pair.accessToken), 200);
    // Logged out at the authority itself (another app): the proxy learns it by asking again.
    expectStatus(
      await request(`${authority.url}${AUTH}/logout`, { method: 'POST', token: pair.accessToken }),
      200,
    );
    await delay(CLAIMS_TTL * 1000 + 100);
    authority.log.reset();
    expectError(await profile(pair.accessToken), 401, 'token_revoked');
    expect(asked()).toBe(1);
  });
});

/**
 * The claims route of a lax authority (another leeway, no audience or issuer of its own) vouches
 * for tokens the proxy's own rules refuse: the proxy applies its audience, issuer, exp and nbf.
 */
describe.each(ADAPTERS)('proxy rules over a lax HS256 authority (%s)', (adapter) => {
  const AUDIENCE = 'proxy-app';
  const ISSUER = 'https://sso.example';
  let authority: Authority;
  let proxy: RunningApp;
  const secret = fixtureKeys('HS256').signingKey;
  const now = (): number => Math.floor(Date.now() / 1000);
  const token = (overrides: Record<string, unknown>) =>
    signToken(
      'HS256',
      secret,
      accessClaims('users:user1', { aud: AUDIENCE, iss: ISSUER, ...overrides }),
    );

  beforeAll(async () => {
    authority = await Authority.start({ ...fixtureKeys('HS256').options, leeway: 120 }, adapter);
    proxy = await startApp(
      ProxyAppModule.with(authority.url, {
        algorithm: 'HS256',
        audience: AUDIENCE,
        issuer: ISSUER,
        claimsCacheTtl: 30,
      }),
      adapter,
    );
  });
  afterAll(async () => {
    await proxy?.close();
    await authority?.stop();
  });

  it.each<[string, number, string | undefined, () => Record<string, unknown>]>([
    ['its audience and issuer', 200, undefined, () => ({})],
    ['another audience', 401, 'token_invalid', () => ({ aud: 'other-app' })],
    ['no audience', 401, 'token_invalid', () => ({ aud: undefined })],
    ['another issuer', 401, 'token_invalid', () => ({ iss: 'https://evil.example' })],
    ['an exp 30 s ago', 401, 'token_expired', () => ({ iat: now() - 90, exp: now() - 30 })],
    ['an nbf 30 s ahead', 401, 'token_invalid', () => ({ nbf: now() + 30 })],
  ])('a token with %s: %d %s', async (_name, status, code, overrides) => {
    const jwt = await token(overrides());
    // The authority itself vouches for it.
    expectStatus(await request(`${authority.url}${AUTH}/token`, { token: jwt }), 200);
    const answer = await request(`${proxy.url}/profile`, { token: jwt });
    if (code === undefined) expectStatus(answer, status);
    else expectError(answer, status, code);
  });
});
