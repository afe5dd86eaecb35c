import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { JwtSecurityModule, MemoryTokenStore } from 'nest-jwt-security';
import { ADAPTERS, request, startApp, type RunningApp } from '../utils/http-app.js';
import { AUTH, expectError, expectStatus, login, refresh } from '../utils/jwt-e2e.js';
import { AppModule } from '../../sample/app.module.js';
import { AppController } from '../../sample/app.controller.js';
import { jwtOptionsFromEnv, routePrefixFromEnv } from '../../sample/jwt.config.js';
import { UsersModule } from '../../sample/users/users.module.js';
import { UsersCredentials } from '../../sample/users/users.credentials.js';

/** The sample app of SPEC §6, in-process, with its default configuration (ephemeral RS256). */
describe.each(ADAPTERS)('sample app (%s)', (adapter) => {
  let running: RunningApp;
  let base: string;

  beforeAll(async () => {
    running = await startApp(AppModule, adapter);
    base = running.url;
  });
  afterAll(() => running.close());

  it('GET /public is open', async () => {
    expectStatus(await request(`${base}/public`), 200);
  });

  it('user1/passwd logs in and reads its claims on GET /profile', async () => {
    const { accessToken } = await login(base, 'user1', 'passwd');
    const answer = await request(`${base}/profile`, { token: accessToken });
    expectStatus(answer, 200);
    expect(answer.body).toMatchObject({ sub: 'users:user1', obj: 'access', fresh: true });
    expect(answer.body.scope).toBeUndefined();
    expectError(await request(`${base}/profile`), 401, 'token_missing');
  });

  it('refuses a wrong password', async () => {
    const answer = await request(`${base}${AUTH}/login`, {
      method: 'POST',
      form: { login: 'admin', password: 'passwd' },
    });
    expectError(answer, 401, 'invalid_credentials');
  });

  it('GET /admin needs the admin scope', async () => {
    const user = await login(base, 'user1', 'passwd');
    expectError(
      await request(`${base}/admin`, { token: user.accessToken }),
      403,
      'insufficient_scope',
    );
    const admin = await login(base, 'admin', 'admin');
    expectStatus(await request(`${base}/admin`, { token: admin.accessToken }), 200);
  });

  it('POST /account/password needs a fresh token', async () => {
    const first = await login(base, 'user1', 'passwd');
    expectStatus(
      await request(`${base}/account/password`, { method: 'POST', token: first.accessToken }),
      200,
    );
    const renewed = await refresh(base, first.refreshToken);
    expectStatus(await request(`${base}/profile`, { token: renewed.accessToken }), 200);
    expectError(
      await request(`${base}/account/password`, { method: 'POST', token: renewed.accessToken }),
      403,
      'token_not_fresh',
    );
  });

  it('signs with an ephemeral RS256 key published at GET /jwks', async () => {
    const jwks = await request(`${base}${AUTH}/jwks`);
    expectStatus(jwks, 200);
    const { accessToken } = await login(base, 'admin', 'admin');
    const { payload, protectedHeader } = await jwtVerify(
      accessToken,
      createLocalJWKSet(jwks.body),
      {
        algorithms: ['RS256'],
      },
    );
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload).toMatchObject({ sub: 'users:admin', scope: ['admin'] });
  });
});

describe('sample configuration from the environment', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nest-jwt-e2e-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads every JWT_* variable', () => {
    const options = jwtOptionsFromEnv({
      JWT_ALGORITHM: 'HS256',
      JWT_SECRET: 'a-sample-secret-that-is-long-enough-0123456789',
      JWT_ACCESS_EXPIRATION: '60',
      JWT_REFRESH_EXPIRATION: '120',
      JWT_AUDIENCE: 'sample-api',
      JWT_ISSUER: 'https://sample.e2e',
      JWT_AUTH_TYPE: 'JWT',
      JWT_HTTP_HEADER: 'X-PyAMS-Authorization',
    });
    expect(options).toMatchObject({
      mode: 'local',
      algorithm: 'HS256',
      secret: 'a-sample-secret-that-is-long-enough-0123456789',
      accessExpiration: 60,
      refreshExpiration: 120,
      audience: 'sample-api',
      issuer: 'https://sample.e2e',
      authType: 'JWT',
      httpHeader: 'X-PyAMS-Authorization',
      credentials: UsersCredentials,
    });
    expect(options.store).toBeInstanceOf(MemoryTokenStore);
  });

  it('reads the key pair from JWT_PRIVATE_KEY_FILE and JWT_PUBLIC_KEY_FILE', () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const privateKey = pair.privateKey.export({ format: 'pem', type: 'sec1' }) as string;
    const publicKey = pair.publicKey.export({ format: 'pem', type: 'spki' }) as string;
    writeFileSync(join(dir, 'private.pem'), privateKey);
    writeFileSync(join(dir, 'public.pem'), publicKey);
    const options = jwtOptionsFromEnv({
      JWT_ALGORITHM: 'ES256',
      JWT_PRIVATE_KEY_FILE: join(dir, 'private.pem'),
      JWT_PUBLIC_KEY_FILE: join(dir, 'public.pem'),
    });
    expect(options).toMatchObject({ algorithm: 'ES256', privateKey, publicKey });
  });

  it('proxy mode takes the authority and no credentials', () => {
    const options = jwtOptionsFromEnv({ JWT_MODE: 'proxy', JWT_AUTHORITY: 'https://auth.e2e' });
    expect(options).toMatchObject({ mode: 'proxy', authority: 'https://auth.e2e' });
    expect(options.credentials).toBeUndefined();
  });

  it.each([
    [undefined, 'api/auth/jwt'],
    ['', 'api/auth/jwt'],
    ['auth', 'auth'],
    ['none', false],
    ['false', false],
  ])('JWT_ROUTE_PREFIX=%j gives %j', (value, expected) => {
    expect(routePrefixFromEnv(value === undefined ? {} : { JWT_ROUTE_PREFIX: value })).toBe(
      expected,
    );
  });
});

describe.each(ADAPTERS)('sample app configured from a custom environment (%s)', (adapter) => {
  const env = {
    JWT_ALGORITHM: 'HS256',
    JWT_SECRET: 'a-sample-secret-that-is-long-enough-0123456789',
    JWT_AUTH_TYPE: 'JWT',
    JWT_ROUTE_PREFIX: 'auth',
  };

  @Module({
    imports: [
      UsersModule,
      JwtSecurityModule.forRoot({
        ...jwtOptionsFromEnv(env),
        routePrefix: routePrefixFromEnv(env),
      }),
    ],
    controllers: [AppController],
  })
  class EnvSampleModule {}

  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp(EnvSampleModule, adapter);
  });
  afterAll(() => running.close());

  it('serves the auth controller at JWT_ROUTE_PREFIX and reads `JWT <token>`', async () => {
    const { accessToken } = await login(running.url, 'admin', 'admin', { prefix: '/auth' });
    expectStatus(await request(`${running.url}/admin`, { token: accessToken, scheme: 'JWT' }), 200);
    expectError(
      await request(`${running.url}/admin`, { token: accessToken }),
      401,
      'token_missing',
      'JWT',
    );
    expectError(await request(`${running.url}/auth/jwks`), 404, 'not_found');
  });
});
