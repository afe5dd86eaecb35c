import { generateKeyPairSync } from 'node:crypto';
import {
  Catch,
  Injectable,
  Module,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { APP_FILTER, HttpAdapterHost } from '@nestjs/core';
import { SignJWT, exportJWK } from 'jose';
import { JwtSecurityError } from 'nest-jwt-security';
import { ADAPTERS, request, startApp, type RunningApp } from '../utils/http-app.js';
import {
  AUTH,
  accessClaims,
  expectError,
  expectStatus,
  login,
  signToken,
  tamperSignature,
  unsignedToken,
} from '../utils/jwt-e2e.js';
import { b64 } from '../utils/keys.js';
import { fixtureKeys } from '../fixtures/keys.fixture.js';
import { LocalAppModule } from '../fixtures/local-app.module.js';

const AUDIENCE = 'e2e-api';
const ISSUER = 'https://issuer.e2e';

/**
 * SPEC §4 codes about the request itself and the token's form: invalid_request,
 * invalid_credentials, token_missing, token_malformed, token_invalid.
 */
describe.each(ADAPTERS)('error codes: request and token form (%s)', (adapter) => {
  let running: RunningApp;
  let base: string;
  const keys = fixtureKeys('HS256');
  /** A token the app would accept, signed by an independent issuer holding the same secret. */
  const forge = (overrides = {}, header = {}) =>
    signToken(
      'HS256',
      keys.signingKey,
      accessClaims('users:user1', { aud: AUDIENCE, iss: ISSUER, ...overrides }),
      header,
    );

  beforeAll(async () => {
    running = await startApp(LocalAppModule.with({ audience: AUDIENCE, issuer: ISSUER }), adapter);
    base = running.url;
  });
  afterAll(() => running.close());

  it('accepts a well-formed token from the same key (control case)', async () => {
    expectStatus(await request(`${base}/protected`, { token: await forge() }), 200);
  });

  describe('400 invalid_request', () => {
    it.each([
      ['no body', {}],
      ['an empty JSON object', { json: {} }],
      ['no password', { json: { login: 'user1' } }],
      ['an empty password', { json: { login: 'user1', password: '' } }],
      ['no login', { json: { password: 'passwd' } }],
      ['a login that is not a string', { json: { login: 42, password: 'passwd' } }],
      ['a password that is not a string', { json: { login: 'user1', password: ['passwd'] } }],
      [
        'claims that are not allow-listed',
        { json: { login: 'user1', password: 'passwd', claims: { role: 'admin' } } },
      ],
      [
        'an allow-listed claim with a value not allowed',
        { json: { login: 'user1', password: 'passwd', claims: { lang: 'de' } } },
      ],
      [
        'a reserved claim',
        { json: { login: 'user1', password: 'passwd', claims: { sub: 'users:admin' } } },
      ],
      [
        'claims that are not an object',
        { json: { login: 'user1', password: 'passwd', claims: ['lang'] } },
      ],
      [
        'form claims that are not JSON',
        { form: { login: 'user1', password: 'passwd', claims: '{lang' } },
      ],
    ])('POST /login with %s', async (_name, init) => {
      expectError(
        await request(`${base}${AUTH}/login`, { method: 'POST', ...init }),
        400,
        'invalid_request',
      );
    });

    it('GET /token with an unknown ?obj=', async () => {
      const { accessToken } = await login(base, 'user1', 'passwd');
      expectError(
        await request(`${base}${AUTH}/token?obj=id_token`, { token: accessToken }),
        400,
        'invalid_request',
      );
    });
  });

  it('401 invalid_credentials: wrong password and unknown login alike', async () => {
    for (const json of [
      { login: 'user1', password: 'admin' },
      { login: 'ghost', password: 'passwd' },
    ]) {
      const answer = await request(`${base}${AUTH}/login`, { method: 'POST', json });
      expectError(answer, 401, 'invalid_credentials');
      expect(JSON.stringify(answer.body)).not.toContain(json.password);
    }
  });

  describe('401 token_missing', () => {
    it.each([
      ['GET', '/protected'],
      ['POST', `${AUTH}/verify`],
      ['GET', `${AUTH}/claims`],
      ['GET', `${AUTH}/token`],
      ['POST', `${AUTH}/refresh`],
      ['PATCH', `${AUTH}/token`],
      ['POST', `${AUTH}/logout`],
      ['GET', `${AUTH}/sessions`],
      ['DELETE', `${AUTH}/sessions/some-id`],
    ])('%s %s without a token', async (method, path) => {
      expectError(await request(`${base}${path}`, { method }), 401, 'token_missing');
    });

    it.each(['Basic dXNlcjE6cGFzc3dk', 'Bearer', 'Bearer   ', '', 'Token abc.def.ghi'])(
      'Authorization %j is no token for us',
      async (value) => {
        expectError(
          await request(`${base}/protected`, { headers: { authorization: value } }),
          401,
          'token_missing',
        );
      },
    );
  });

  describe('401 token_malformed', () => {
    it.each([
      ['garbage', 'garbage'],
      ['two segments', 'abc.def'],
      ['four segments', 'a.b.c.d'],
      ['characters outside base64url', 'eyJhbGciOiJIUzI1NiJ9.e30+.abc/'],
      ['a header that is not JSON', `${b64('not json')}.${b64('{}')}.abc`],
      ['a header that is a JSON array', `${b64('[1]')}.${b64('{}')}.abc`],
      ['a token over maxTokenSize', `${b64('{"alg":"HS256"}')}.${'a'.repeat(9000)}.abc`],
      ['whitespace inside the token', 'abc.def ghi.jkl'],
    ])('%s', async (_name, token) => {
      expectError(await request(`${base}/protected`, { token }), 401, 'token_malformed');
      expectError(
        await request(`${base}${AUTH}/verify`, { method: 'POST', token }),
        401,
        'token_malformed',
      );
    });

    it('a payload that is not JSON, under a valid header', async () => {
      const [header] = (await forge()).split('.');
      const token = `${header}.${b64('not json')}.${'A'.repeat(43)}`;
      expectError(await request(`${base}/protected`, { token }), 401, 'token_malformed');
    });
  });

  describe('401 token_invalid', () => {
    const cases: Array<[string, () => Promise<string> | string]> = [
      ['a bad signature', async () => tamperSignature(await forge())],
      [
        'a signature by another secret',
        () =>
          signToken(
            'HS256',
            fixtureKeys('HS256', 1).signingKey,
            accessClaims('users:user1', { aud: AUDIENCE, iss: ISSUER }),
          ),
      ],
      ['an unknown kid', () => forge({}, { kid: 'not-a-key-of-ours' })],
      [
        'another algorithm in the header',
        () =>
          signToken(
            'HS512',
            fixtureKeys('HS256').signingKey,
            accessClaims('users:user1', { aud: AUDIENCE, iss: ISSUER }),
          ),
      ],
      [
        'alg none',
        () => unsignedToken(accessClaims('users:user1', { aud: AUDIENCE, iss: ISSUER })),
      ],
      [
        'alg none with a signature segment',
        () => `${unsignedToken(accessClaims())}${'A'.repeat(43)}`,
      ],
      ['a wrong audience', () => forge({ aud: 'another-api' })],
      ['no audience', () => forge({ aud: undefined })],
      ['a wrong issuer', () => forge({ iss: 'https://evil.example' })],
      ['no issuer', () => forge({ iss: undefined })],
      ['no exp', () => forge({ exp: undefined })],
      ['no obj', () => forge({ obj: undefined })],
      ['an unknown obj', () => forge({ obj: 'id' })],
      ['no sid', () => forge({ sid: undefined })],
      ['a typ that is not JWT', () => forge({}, { typ: 'at+jwt+x' })],
      [
        'a key embedded in the header (jwk)',
        async () => {
          const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
          const jwk = await exportJWK(attacker.publicKey);
          return signToken(
            'ES256',
            attacker.privateKey,
            accessClaims('users:admin', { aud: AUDIENCE, iss: ISSUER }),
            { jwk },
          );
        },
      ],
      [
        'a key URL in the header (jku)',
        () => forge({}, { jku: 'http://127.0.0.1:9/jwks', kid: 'remote' }),
      ],
    ];
    it.each(cases)('%s', async (_name, make) => {
      const token = await make();
      expectError(await request(`${base}/protected`, { token }), 401, 'token_invalid');
      expectError(await request(`${base}${AUTH}/claims`, { token }), 401, 'token_invalid');
    });

    it('a crit header naming an extension the module does not implement', async () => {
      const token = await new SignJWT(accessClaims('users:user1', { aud: AUDIENCE, iss: ISSUER }))
        .setProtectedHeader({
          alg: 'HS256',
          typ: 'JWT',
          crit: ['urn:e2e:ext'],
          'urn:e2e:ext': true,
        })
        .sign(keys.signingKey, { crit: { 'urn:e2e:ext': true } });
      expectError(await request(`${base}/protected`, { token }), 401, 'token_invalid');
    });
  });
});

/** An app's own filter for the module's errors, as the README shows: another body, same status. */
@Catch(JwtSecurityError)
@Injectable()
class ReshapingFilter implements ExceptionFilter {
  constructor(private readonly host: HttpAdapterHost) {}

  catch(error: JwtSecurityError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse();
    this.host.httpAdapter.reply(response, { error: error.code }, error.statusCode);
  }
}

@Module({
  imports: [LocalAppModule.with()],
  providers: [{ provide: APP_FILTER, useClass: ReshapingFilter }],
})
class ReshapedErrorsModule {}

/**
 * Every code is a `JwtSecurityError`, so an app's `@Catch(JwtSecurityError)` filter reshapes the
 * bodies; the headers that belong to the error (`WWW-Authenticate`) are on the response already.
 */
describe.each(ADAPTERS)("an app's own exception filter (%s)", (adapter) => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp(ReshapedErrorsModule, adapter);
  });
  afterAll(() => running.close());

  it.each([
    ['GET /protected without a token', 'GET', '/protected', undefined, 401, 'token_missing'],
    ['GET /passport with garbage', 'GET', '/passport', 'garbage', 401, 'token_malformed'],
    ['POST /verify with garbage', 'POST', `${AUTH}/verify`, 'garbage', 401, 'token_malformed'],
  ])(
    '%s: its body, the status and the Bearer challenge',
    async (_n, method, path, token, status, code) => {
      const answer = await request(`${running.url}${path}`, {
        method,
        ...(token !== undefined && { token }),
      });
      expect({ status: answer.status, body: answer.body }).toEqual({
        status,
        body: { error: code },
      });
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer /);
    },
  );

  it('reshapes login and scope refusals too, the scope challenge included', async () => {
    const wrong = await request(`${running.url}${AUTH}/login`, {
      method: 'POST',
      json: { login: 'user1', password: 'wrong' },
    });
    expect({ status: wrong.status, body: wrong.body }).toEqual({
      status: 401,
      body: { error: 'invalid_credentials' },
    });
    const { accessToken } = await login(running.url, 'user1', 'passwd');
    const scope = await request(`${running.url}/protected/admin`, { token: accessToken });
    expect({ status: scope.status, body: scope.body }).toEqual({
      status: 403,
      body: { error: 'insufficient_scope' },
    });
    expect(scope.headers.get('www-authenticate')).toMatch(/^Bearer .*insufficient_scope/);
  });
});
