import {
  ADAPTERS,
  request,
  startApp,
  type HttpAnswer,
  type RunningApp,
} from '../utils/http-app.js';
import { BodyParseErrorFilter } from 'nest-jwt-security';
import {
  AUTH,
  accessClaims,
  expectError,
  expectStatus,
  login,
  signToken,
} from '../utils/jwt-e2e.js';
import { b64, segment } from '../utils/keys.js';
import { fixtureKeys } from '../fixtures/keys.fixture.js';
import { LocalAppModule } from '../fixtures/local-app.module.js';

type Init = Parameters<typeof request>[1];

/** No input ever yields a 5xx (SPEC §4): tables of bad inputs per route, each answered by a 4xx. */
describe.each(ADAPTERS)('bad inputs never give a 5xx (%s)', (adapter) => {
  let running: RunningApp;
  let base: string;
  const keys = fixtureKeys('HS256');

  beforeAll(async () => {
    running = await startApp(LocalAppModule.with({ audience: 'e2e-api' }), adapter);
    base = running.url;
  });
  afterAll(() => running.close());

  const raw = (contentType: string, body: string): Init => ({
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });

  describe.each(['login', 'token'])('POST /%s bodies', (path) => {
    it.each<[string, Init]>([
      ['text/plain', raw('text/plain', 'login=user1&password=passwd')],
      ['application/xml', raw('application/xml', '<login>user1</login>')],
      [
        'multipart/form-data',
        raw(
          'multipart/form-data; boundary=x',
          '--x\r\nContent-Disposition: form-data; name="login"\r\n\r\nuser1\r\n--x--\r\n',
        ),
      ],
      ['an unknown content type', raw('application/x-e2e', '{}')],
      ['an empty JSON body', raw('application/json', '')],
      ['an empty form body', raw('application/x-www-form-urlencoded', '')],
      ['a JSON array', { method: 'POST', json: [{ login: 'user1', password: 'passwd' }] }],
      ['an empty JSON array', { method: 'POST', json: [] }],
      ['a JSON string', { method: 'POST', json: 'user1:passwd' }],
      ['a JSON number', { method: 'POST', json: 42 }],
      ['JSON null', { method: 'POST', json: null }],
      ['JSON true', { method: 'POST', json: true }],
      [
        'a repeated form field',
        raw('application/x-www-form-urlencoded', 'login=user1&login=admin&password=passwd'),
      ],
      [
        'bracketed form fields',
        raw('application/x-www-form-urlencoded', 'login[]=user1&password[a]=passwd'),
      ],
      ['nested objects', { method: 'POST', json: { login: { $ne: '' }, password: { $gt: '' } } }],
      [
        'a __proto__ key',
        raw('application/json', '{"__proto__":{"login":"user1"},"password":"passwd"}'),
      ],
      [
        'a __proto__ claim',
        raw(
          'application/json',
          '{"login":"user1","password":"passwd","claims":{"__proto__":{"x":1}}}',
        ),
      ],
      [
        'a constructor claim',
        {
          method: 'POST',
          json: { login: 'user1', password: 'passwd', claims: { constructor: 'x' } },
        },
      ],
      [
        'a 50,000-character login',
        { method: 'POST', json: { login: 'u'.repeat(50_000), password: 'passwd' } },
      ],
      [
        'a 50,000-character password',
        { method: 'POST', json: { login: 'user1', password: 'p'.repeat(50_000) } },
      ],
      [
        'a 2 MB body',
        {
          method: 'POST',
          json: { login: 'user1', password: 'passwd', pad: 'x'.repeat(2_000_000) },
        },
      ],
      [
        'deeply nested claims',
        { method: 'POST', json: { login: 'user1', password: 'passwd', claims: deep(200) } },
      ],
      [
        'control characters in the login',
        { method: 'POST', json: { login: 'user1\u0000\r\n', password: 'passwd' } },
      ],
      ['a syntactically broken JSON body', raw('application/json', '{"login":"user1",')],
    ])('%s: 4xx', async (_name, init) => {
      expect4xx(await request(`${base}${AUTH}/${path}`, init));
    });

    it.each<[string, Init]>([
      ['no body', { method: 'POST' }],
      ['a JSON array', { method: 'POST', json: [{ login: 'user1', password: 'passwd' }] }],
      [
        'a repeated form field',
        raw('application/x-www-form-urlencoded', 'login=user1&login=admin&password=passwd'),
      ],
      ['nested objects', { method: 'POST', json: { login: { $ne: '' }, password: { $gt: '' } } }],
      [
        'a 50,000-character login',
        { method: 'POST', json: { login: 'u'.repeat(50_000), password: 'passwd' } },
      ],
    ])('%s: 400 invalid_request', async (_name, init) => {
      expectError(await request(`${base}${AUTH}/${path}`, init), 400, 'invalid_request');
    });

    it('a syntactically broken JSON body is refused by the body parser with 400', async () => {
      expect(
        (await request(`${base}${AUTH}/${path}`, raw('application/json', '{"login":'))).status,
      ).toBe(400);
    });
  });

  /** Authorization values that are not a usable token, on every route that reads one. */
  const authorizations: Array<[string, string, string]> = [
    ['an empty token after the scheme', 'Bearer    ', 'token_missing'],
    ['the scheme only', 'Bearer', 'token_missing'],
    ['another scheme', 'Basic dXNlcjE6cGFzc3dk', 'token_missing'],
    // 'abc' and 'def' are no JSON: malformed, whatever the signature (SPEC: bad base64/JSON).
    ['a scheme in mixed case with spaces', 'bEaReR    abc.def.ghi', 'token_malformed'],
    ['two tokens', 'Bearer abc.def.ghi jkl.mno.pqr', 'token_malformed'],
    ['a tab inside', 'Bearer abc.def\t.ghi', 'token_malformed'],
    ['three dots', 'Bearer ...', 'token_malformed'],
    ['empty segments', 'Bearer ..', 'token_malformed'],
    ['null', 'Bearer null', 'token_malformed'],
    ['undefined', 'Bearer undefined', 'token_malformed'],
    ['[object Object]', 'Bearer [object Object]', 'token_malformed'],
    ['a JSON object', 'Bearer {"alg":"none"}', 'token_malformed'],
    ['Latin-1 characters', 'Bearer \u00e9\u00e9.\u00e9.\u00e9', 'token_malformed'],
    [
      'a 10,000-character token',
      `Bearer ${'a'.repeat(5000)}.${'b'.repeat(4998)}.c`,
      'token_malformed',
    ],
    [
      'a non-object kid',
      `Bearer ${forgedHeader({ alg: 'HS256', kid: { $ne: 1 } })}`,
      'token_invalid',
    ],
    [
      'kid __proto__',
      `Bearer ${forgedHeader({ alg: 'HS256', kid: '__proto__' })}`,
      'token_invalid',
    ],
    [
      'kid constructor',
      `Bearer ${forgedHeader({ alg: 'HS256', kid: 'constructor' })}`,
      'token_invalid',
    ],
    ['a numeric typ', `Bearer ${forgedHeader({ alg: 'HS256', typ: 123 })}`, 'token_invalid'],
    ['b64 false', `Bearer ${forgedHeader({ alg: 'HS256', b64: false })}`, 'token_invalid'],
    ['alg as an array', `Bearer ${forgedHeader({ alg: ['HS256'] })}`, 'token_invalid'],
    ['a null header', `Bearer ${b64('null')}.e30.abc`, 'token_malformed'],
  ];
  const routes: Array<[string, string]> = [
    ['GET', '/protected'],
    ['GET', '/protected/optional'],
    ['GET', '/passport'],
    ['POST', `${AUTH}/verify`],
    ['GET', `${AUTH}/claims`],
    ['GET', `${AUTH}/token?obj=access`],
    ['POST', `${AUTH}/refresh`],
    ['PATCH', `${AUTH}/token`],
    ['POST', `${AUTH}/logout`],
    ['GET', `${AUTH}/sessions`],
    ['DELETE', `${AUTH}/sessions/abc`],
  ];
  describe.each(routes)('%s %s with a bad Authorization', (method, path) => {
    // The code second, so that the title names it (not the header, which may be 10,000 chars).
    const byCode = authorizations.map(([name, authorization, code]) => [name, code, authorization]);
    it.each(byCode)('%s: 401 %s', async (_name, code, authorization) => {
      const answer = await request(`${base}${path}`, { method, headers: { authorization } });
      // An @OptionalJwt() route lets "no token for us" through as anonymous, and only that.
      if (path === '/protected/optional' && code === 'token_missing') {
        expect({ status: answer.status, body: answer.body }).toEqual({
          status: 200,
          body: { sub: null },
        });
      } else {
        expectError(answer, 401, code);
      }
    });
  });

  /** Signed with the app's own key, so that the claims themselves are what is wrong. */
  const badClaims: Array<[string, Record<string, unknown>]> = [
    ['sub as a number', { sub: 42 }],
    ['an empty sub', { sub: '' }],
    ['exp as a string', { exp: '9999999999' }],
    ['iat as a string', { iat: 'yesterday' }],
    ['nbf in the future', { nbf: Math.floor(Date.now() / 1000) + 3600 }],
    ['jti as an object', { jti: { id: 1 } }],
    ['sid as a number', { sid: 7 }],
    ['fresh as a string', { fresh: 'true' }],
    ['obj as an array', { obj: ['access'] }],
    ['aud as a number', { aud: 1 }],
  ];
  it.each(badClaims)('a signed token with %s: 401 token_invalid', async (_name, overrides) => {
    const claims = { ...accessClaims('users:user1', { aud: 'e2e-api' }), ...overrides };
    const token = await signToken('HS256', keys.signingKey, claims as never);
    for (const path of ['/protected', '/passport', `${AUTH}/claims`]) {
      expectError(await request(`${base}${path}`, { token }), 401, 'token_invalid');
    }
  });

  describe('GET /token query and DELETE /sessions/:id path', () => {
    it.each([
      'obj=access&obj=refresh',
      'obj[]=access',
      'obj=',
      'obj=ACCESS',
      `obj=${'x'.repeat(5000)}`,
    ])('?%s', async (query) => {
      const { accessToken } = await login(base, 'user1', 'passwd');
      expect4xx(await request(`${base}${AUTH}/token?${query}`, { token: accessToken }), [200]);
      expect4xx(await request(`${base}${AUTH}/token?${query}`));
    });

    it.each([
      'x'.repeat(200),
      '%00',
      '..%2F..%2Fprotected',
      '%E2%98%83',
      '%ZZ',
      "1'%20OR%20'1'='1",
      '%20',
    ])('/sessions/%s', async (id) => {
      const { accessToken } = await login(base, 'user1', 'passwd');
      expect4xx(
        await request(`${base}${AUTH}/sessions/${id}`, { method: 'DELETE', token: accessToken }),
      );
      expect4xx(await request(`${base}${AUTH}/sessions/${id}`, { method: 'DELETE' }));
    });

    it.each([
      ['GET', `${AUTH}/login`],
      ['PUT', `${AUTH}/login`],
      ['DELETE', `${AUTH}/token`],
      ['POST', `${AUTH}/jwks`],
      ['GET', `${AUTH}/sessions/`],
    ])('%s %s: 4xx', async (method, path) => {
      expect4xx(await request(`${base}${path}`, { method }));
    });
  });
});

/**
 * `BodyParseErrorFilter`, as the sample registers it: the body parser's own 400s (broken JSON,
 * a JSON body Express' strict parser refuses, Fastify's empty or poisoned JSON) become the
 * module's `invalid_request`, and every other answer is left as it was.
 */
describe.each(ADAPTERS)('BodyParseErrorFilter (%s)', (adapter) => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp(LocalAppModule.with(), adapter, {
      setup: (app) => app.useGlobalFilters(new BodyParseErrorFilter(app.getHttpAdapter())),
    });
  });
  afterAll(() => running.close());

  const post = (body: string, path = `${AUTH}/login`) =>
    request(`${running.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });

  it.each([
    ['syntactically broken JSON', '{"login":"user1",'],
    ['JSON null', 'null'],
    ['a JSON number', '42'],
    ['an empty JSON body', ''],
    ['a __proto__ key', '{"__proto__":{"login":"user1"},"password":"passwd"}'],
  ])('%s: 400 invalid_request', async (_name, body) => {
    expectError(await post(body), 400, 'invalid_request');
    expectError(await post(body, `${AUTH}/token`), 400, 'invalid_request');
  });

  it('leaves the other answers alone', async () => {
    expectStatus(await post('{"login":"user1","password":"passwd"}'), 200);
    expectError(await request(`${running.url}/protected`), 401, 'token_missing');
    const tooLarge = await post(JSON.stringify({ login: 'user1', pad: 'x'.repeat(2_000_000) }));
    expect(tooLarge.status).toBe(413);
    const unknown = await request(`${running.url}/nowhere`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBeUndefined();
  });
});

/** A 4xx (or one of `alsoOk`), never a 5xx. */
function expect4xx(answer: HttpAnswer, alsoOk: number[] = []): void {
  if (alsoOk.includes(answer.status)) return;
  const status = answer.status >= 400 && answer.status < 500 ? '4xx' : answer.status;
  expect({ status, body: answer.body }).toMatchObject({ status: '4xx' });
}

/** A token with `header`, an empty object as payload and a junk signature. */
function forgedHeader(header: object): string {
  return `${segment(header)}.e30.${'A'.repeat(43)}`;
}

function deep(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { lang: 'en' };
  for (let i = 0; i < depth; i++) value = { nested: value };
  return value;
}
