import { createPublicKey, createSecretKey, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import {
  ADAPTERS,
  request,
  startApp,
  type HttpAnswer,
  type RunningApp,
} from '../utils/http-app.js';
import {
  AUTH,
  accessClaims,
  expectError,
  expectStatus,
  login,
  loginAnswer,
  signToken,
} from '../utils/jwt-e2e.js';
import { segment } from '../utils/keys.js';
import { fixtureKeys } from '../fixtures/keys.fixture.js';
import { Authority } from '../fixtures/proxy/authority.fixture.js';
import { HostileAuthority } from '../fixtures/proxy/hostile-authority.fixture.js';
import { signingOptions } from '../fixtures/proxy/keys.fixture.js';
import { visible } from '../fixtures/proxy/helpers.js';
import { ProxyAppModule } from '../fixtures/proxy/proxy-app.fixture.js';

/** More than the 1 MiB the proxy reads of an answer. */
const HUGE = 'x'.repeat(1024 * 1024 + 16);

/** A token only the authority could check (the proxy of an HS256 authority asks its claims route). */
function opaqueToken(claims: Record<string, unknown> = accessClaims()): string {
  return `${segment({ alg: 'HS256', typ: 'JWT' })}.${segment(claims)}.${randomBytes(32).toString('base64url')}`;
}

/** Sends a request whose path is kept byte for byte (fetch would resolve `%2E%2E`). */
function rawRequest(
  base: string,
  path: string,
  method: string,
  token: string,
): Promise<HttpAnswer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { hostname, port, path, method, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (typeof value === 'string') headers.set(name, value);
          }
          resolve({
            status: res.statusCode ?? 0,
            headers,
            body: text.length > 0 ? JSON.parse(text) : undefined,
          });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/**
 * Issue 4, "nothing is ever accepted unverified": an authority that answers garbage, redirects,
 * fails with 5xx or floods the proxy never makes it accept a token, follow a redirect with the
 * caller's token, or answer a 500 of its own.
 */
describe.each(ADAPTERS)('proxy of a misbehaving authority (%s)', (adapter) => {
  let hostile: HostileAuthority;
  let trap: HostileAuthority;
  let proxy: RunningApp;
  const profile = (token: string) => request(`${proxy.url}/profile`, { token });
  const loginCall = () => loginAnswer(proxy.url, 'user1', 'passwd');

  beforeAll(async () => {
    hostile = await HostileAuthority.start();
    trap = await HostileAuthority.start();
    proxy = await startApp(
      ProxyAppModule.with(hostile.url, { algorithm: 'HS256', claimsCacheTtl: 0 }),
      adapter,
    );
  });
  beforeEach(() => {
    hostile.reset();
    trap.reset();
  });
  afterAll(async () => {
    await proxy?.close();
    await hostile?.stop();
    await trap?.stop();
  });

  it('the control case: a token the claims route vouches for is accepted', async () => {
    expectStatus(await profile(opaqueToken()), 200);
    expect(hostile.count('GET token')).toBe(1);
  });

  it.each<[string, unknown, number, string]>([
    ['text', 'not json at all', 503, 'service_unavailable'],
    ['an array', [accessClaims()], 503, 'service_unavailable'],
    ['a JSON string', JSON.stringify('users:user1'), 503, 'service_unavailable'],
    ['null', 'null', 503, 'service_unavailable'],
    ['an empty body', undefined, 503, 'service_unavailable'],
    ['an empty object', {}, 401, 'token_invalid'],
    ['claims of the wrong types', { sub: 1, obj: 'access', exp: 'later' }, 401, 'token_invalid'],
    ['claims of another kind', accessClaims('users:user1', { obj: 'id' }), 401, 'token_invalid'],
  ])('claims route answering 200 with %s: %d %s', async (_name, body, status, code) => {
    hostile.on('GET token', { status: 200, body });
    expectError(await profile(opaqueToken()), status, code);
  });

  it('claims route vouching for an expired token (lax authority): 401 token_expired', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = opaqueToken(accessClaims('users:user1', { iat: now - 120, exp: now - 60 }));
    expectError(await profile(token), 401, 'token_expired');
  });

  it.each([500, 502, 503, 504])(
    'claims route answering %d: the guard answers 503 service_unavailable',
    async (status) => {
      hostile.on('GET token', { status, body: { status: 'error', statusCode: status } });
      expectError(await profile(opaqueToken()), 503, 'service_unavailable');
    },
  );

  it.each([500, 502, 503])(
    'login answered %d by the authority: 503 service_unavailable, never a 5xx body of its own',
    async (status) => {
      const body = { status: 'error', statusCode: status, code: 'upstream', message: 'Down.' };
      hostile.on('POST token', { status, headers: { 'retry-after': '30' }, body });
      const answer = await loginCall();
      expectError(answer, 503, 'service_unavailable');
      expect(JSON.stringify(answer.body)).not.toContain('upstream');
    },
  );

  it('a redirect is never followed: 503, and the token never reaches the other host', async () => {
    const location = { location: `${trap.url}${AUTH}/token` };
    for (const route of ['GET token', 'POST token', 'PATCH token', 'POST verify']) {
      hostile.on(route, { status: 302, headers: location });
    }
    const token = opaqueToken();
    expectError(await profile(token), 503, 'service_unavailable');
    expectError(await loginCall(), 503, 'service_unavailable');
    expectError(
      await request(`${proxy.url}${AUTH}/verify`, { method: 'POST', token }),
      503,
      'service_unavailable',
    );
    expectError(
      await request(`${proxy.url}${AUTH}/refresh`, { method: 'POST', token }),
      503,
      'service_unavailable',
    );
    expect(hostile.count()).toBe(4);
    expect(trap.count()).toBe(0);
  });

  it.each<[string, { body?: unknown; chunks?: string[] }]>([
    ['announced by Content-Length', { body: { status: 'success', accessToken: HUGE } }],
    ['chunked, without Content-Length', { chunks: ['{"accessToken":"', HUGE, '"}'] }],
  ])('an answer over 1 MiB, %s: 503 on login and on the guard', async (_name, huge) => {
    hostile.on('POST token', { status: 200, ...huge });
    hostile.on('GET token', { status: 200, ...huge });
    expectError(await loginCall(), 503, 'service_unavailable');
    expectError(await profile(opaqueToken()), 503, 'service_unavailable');
    // The next sane answer is read again.
    hostile.reset();
    expectStatus(await profile(opaqueToken()), 200);
  });

  it('an answer just under the cap is read', async () => {
    const body = {
      status: 'success',
      accessToken: 'x'.repeat(1024 * 1024 - 64),
      refreshToken: 'y',
    };
    hostile.on('POST token', { status: 200, body });
    const answer = await loginCall();
    expectStatus(answer, 200);
    expect(answer.body.accessToken).toHaveLength(body.accessToken.length);
  });

  it('an authority without logout and sessions routes: its 404 comes back unchanged', async () => {
    const token = opaqueToken();
    const direct = await request(`${hostile.url}${AUTH}/logout`, { method: 'POST', token });
    const logout = await request(`${proxy.url}${AUTH}/logout`, { method: 'POST', token });
    expect(visible(logout)).toEqual(visible(direct));
    expect(logout.status).toBe(404);
    const sessions = await request(`${proxy.url}${AUTH}/sessions`, { token });
    expect(visible(sessions)).toEqual(
      visible(await request(`${hostile.url}${AUTH}/sessions`, { token })),
    );
    // The logout did not happen, so the proxy did not revoke the session on its side either.
    expectStatus(await profile(token), 200);
  });

  it.each(['%2E%2E', '%2e%2E', '.%2E', '%2E'])(
    'DELETE /sessions/%s: 404 not_found, the authority’s path is never walked up',
    async (id) => {
      const answer = await rawRequest(proxy.url, `${AUTH}/sessions/${id}`, 'DELETE', opaqueToken());
      expectError(answer, 404, 'not_found');
      expect(hostile.count()).toBe(0);
    },
  );

  it('DELETE /sessions/..%2F..%2Ftoken: the encoded slashes stay in the one segment sent on', async () => {
    const id = '..%2F..%2Ftoken';
    await rawRequest(proxy.url, `${AUTH}/sessions/${id}`, 'DELETE', opaqueToken());
    expect(hostile.seen.map((s) => s.path)).toEqual([`${AUTH}/sessions/${id}`]);
  });
});

/** The same dot ids on a local-mode app: refused as unknown sessions, as in proxy mode. */
describe.each(ADAPTERS)('DELETE /sessions/<dots> in local mode (%s)', (adapter) => {
  let app: Authority;

  beforeAll(async () => {
    app = await Authority.start(signingOptions('ES256', 'A'), adapter);
  });
  afterAll(async () => {
    await app?.stop();
  });

  it.each(['%2E%2E', '%2E'])('DELETE /sessions/%s: 404 not_found', async (id) => {
    const { accessToken } = await login(app.url, 'user1', 'passwd');
    const answer = await rawRequest(app.url, `${AUTH}/sessions/${id}`, 'DELETE', accessToken);
    expectError(answer, 404, 'not_found');
    expectStatus(await request(`${app.url}${AUTH}/sessions`, { token: accessToken }), 200);
  });
});

/** A JWKS made to trick the proxy: a secret, keys without `alg` or meant for encryption. */
describe.each(ADAPTERS)('proxy of an authority publishing a hostile JWKS (%s)', (adapter) => {
  let hostile: HostileAuthority;
  let proxy: RunningApp;
  const secret = randomBytes(32);
  const rsa = fixtureKeys('RS256');
  const publicKey = createPublicKey(rsa.options.publicKey!);
  const publicPem = publicKey.export({ format: 'pem', type: 'spki' });

  beforeAll(async () => {
    hostile = await HostileAuthority.start();
    const jwk = publicKey.export({ format: 'jwk' });
    hostile.on('GET jwks', {
      status: 200,
      body: {
        keys: [
          { kty: 'oct', k: secret.toString('base64url'), alg: 'HS256', kid: 'oct' },
          { ...jwk, alg: 'RS256', kid: 'enc', use: 'enc' },
          { ...jwk, kid: 'no-alg' },
          null,
          'garbage',
        ],
      },
    });
    proxy = await startApp(ProxyAppModule.with(hostile.url, { algorithm: 'RS256' }), adapter);
  });
  afterAll(async () => {
    await proxy?.close();
    await hostile?.stop();
  });

  it.each<[string, () => Promise<string>]>([
    [
      'HS256 keyed with the published oct secret',
      () => signToken('HS256', createSecretKey(secret), accessClaims(), { kid: 'oct' }),
    ],
    [
      'HS256 keyed with the RSA public key (algorithm confusion)',
      () =>
        signToken('HS256', createSecretKey(Buffer.from(publicPem)), accessClaims(), { kid: 'enc' }),
    ],
    [
      'RS256 under a key published for encryption',
      () => signToken('RS256', rsa.signingKey, accessClaims(), { kid: 'enc' }),
    ],
    [
      'RS256 under a key published without alg',
      () => signToken('RS256', rsa.signingKey, accessClaims(), { kid: 'no-alg' }),
    ],
  ])('refuses %s: 401 token_invalid', async (_name, make) => {
    const token = await make();
    expectError(await request(`${proxy.url}/profile`, { token }), 401, 'token_invalid');
  });
});
