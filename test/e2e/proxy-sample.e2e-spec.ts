import { createLocalJWKSet, jwtVerify } from 'jose';
import { ADAPTERS, request, startApp, startupError, type RunningApp } from '../utils/http-app.js';
import { AUTH, expectError, expectStatus, login, refresh } from '../utils/jwt-e2e.js';
import { AppModule } from '../../sample/app.module.js';
import { jwtOptionsFromEnv } from '../../sample/jwt.config.js';

const JWT_ENV = ['JWT_MODE', 'JWT_AUTHORITY'] as const;

/** Starts the sample's `AppModule` with `env` in `process.env` (read by its module factory). */
async function startSample(
  env: Partial<Record<(typeof JWT_ENV)[number], string>>,
  adapter: (typeof ADAPTERS)[number],
): Promise<RunningApp> {
  const saved = JWT_ENV.map((name) => [name, process.env[name]] as const);
  for (const name of JWT_ENV) {
    if (env[name] === undefined) delete process.env[name];
    else process.env[name] = env[name];
  }
  try {
    return await startApp(AppModule, adapter);
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/** The sample's options in proxy mode hold none of the local-only ones the module refuses. */
describe('sample options in proxy mode', () => {
  const proxyEnv = { JWT_MODE: 'proxy', JWT_AUTHORITY: 'https://auth.e2e' };
  /** Local mode with a secret given, so that the sample makes (and logs) no ephemeral key. */
  const localEnv = { JWT_ALGORITHM: 'HS256', JWT_SECRET: 's'.repeat(64) };

  it('JWT_TOKEN_LOCATION defaults to header in proxy mode, header,cookie in local mode', () => {
    expect(jwtOptionsFromEnv(proxyEnv).tokenLocation).toEqual(['header']);
    expect(jwtOptionsFromEnv(localEnv).tokenLocation).toEqual(['header', 'cookie']);
  });

  it('JWT_LOGIN_THROTTLE=off gives no loginThrottle in proxy mode (the authority throttles)', () => {
    expect(jwtOptionsFromEnv({ ...proxyEnv, JWT_LOGIN_THROTTLE: 'off' })).not.toHaveProperty(
      'loginThrottle',
    );
    expect(jwtOptionsFromEnv({ ...localEnv, JWT_LOGIN_THROTTLE: 'off' }).loginThrottle).toBe(false);
  });

  it('JWT_TOKEN_LOCATION=header,cookie in proxy mode stops the sample, naming tokenLocation', async () => {
    const { JwtSecurityModule } = await import('nest-jwt-security');
    const options = jwtOptionsFromEnv({ ...proxyEnv, JWT_TOKEN_LOCATION: 'header,cookie' });
    const error = await startupError(JwtSecurityModule.forRoot(options), 'express');
    expect((error as { problems?: string[] }).problems).toEqual([
      expect.stringMatching(/^tokenLocation: /),
    ]);
  });
});

/** SPEC §6 and issue 4: the sample runs in proxy mode with JWT_MODE=proxy JWT_AUTHORITY=<url>. */
describe.each(ADAPTERS)('sample app in proxy mode (%s)', (adapter) => {
  /** The sample with its defaults: local mode, ephemeral RS256 key. */
  let authority: RunningApp;
  /** The sample with JWT_MODE=proxy and JWT_AUTHORITY pointing at `authority`. */
  let proxy: RunningApp;

  beforeAll(async () => {
    authority = await startSample({}, adapter);
    proxy = await startSample({ JWT_MODE: 'proxy', JWT_AUTHORITY: authority.url }, adapter);
  });
  afterAll(async () => {
    await proxy?.close();
    await authority?.close();
  });

  it('logs in through the proxy with tokens the authority signed', async () => {
    const { accessToken } = await login(proxy.url, 'user1', 'passwd');
    const jwks = await request(`${authority.url}${AUTH}/jwks`);
    const { payload } = await jwtVerify(accessToken, createLocalJWKSet(jwks.body), {
      algorithms: ['RS256'],
    });
    expect(payload).toMatchObject({ sub: 'users:user1', obj: 'access', fresh: true });
    const profile = await request(`${proxy.url}/profile`, { token: accessToken });
    expectStatus(profile, 200);
    expect(profile.body).toEqual(payload);
    expect((await request(`${proxy.url}${AUTH}/jwks`)).body).toEqual(jwks.body);
  });

  it('refuses bad credentials as the authority does', async () => {
    const answer = await request(`${proxy.url}${AUTH}/login`, {
      method: 'POST',
      form: { login: 'admin', password: 'passwd' },
    });
    expectError(answer, 401, 'invalid_credentials');
  });

  it('GET /admin and POST /account/password on the proxy: scope and freshness', async () => {
    const user = await login(proxy.url, 'user1', 'passwd');
    expectError(
      await request(`${proxy.url}/admin`, { token: user.accessToken }),
      403,
      'insufficient_scope',
    );
    const admin = await login(proxy.url, 'admin', 'admin');
    expectStatus(await request(`${proxy.url}/admin`, { token: admin.accessToken }), 200);
    expectStatus(
      await request(`${proxy.url}/account/password`, { method: 'POST', token: admin.accessToken }),
      200,
    );
    const renewed = await refresh(proxy.url, admin.refreshToken);
    expectError(
      await request(`${proxy.url}/account/password`, {
        method: 'POST',
        token: renewed.accessToken,
      }),
      403,
      'token_not_fresh',
    );
  });

  it('tokens of another sample authority are refused', async () => {
    const other = await startSample({}, adapter);
    try {
      const { accessToken } = await login(other.url, 'admin', 'admin');
      expectError(
        await request(`${proxy.url}/profile`, { token: accessToken }),
        401,
        'token_invalid',
      );
    } finally {
      await other.close();
    }
  });
});
