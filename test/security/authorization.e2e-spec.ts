import { ADAPTERS, request } from '../utils/http-app.js';
import { rawRequest } from './fixtures/raw-http.js';
import { expectAccepted, expectRefused, kindFor, ROUTES } from './fixtures/routes.js';
import { startTarget, type Target } from './fixtures/target.js';

type Headers = Record<string, string>;
type Case = [name: string, code: string, headers: (token: string, t: Target) => Headers];

const auth = (value: string): Headers => ({ authorization: value });

/** No token for this module: `token_missing` (anonymous on an `@OptionalJwt()` route). */
const MISSING: Case[] = (
  [
    ['no Authorization header', () => ({})],
    ['an empty Authorization header', () => auth('')],
    ['Bearer alone', () => auth('Bearer')],
    ['Bearer and spaces', () => auth('Bearer    ')],
    ['Bearer and a tab', () => auth('Bearer\t')],
    ['the Basic scheme', () => auth('Basic dXNlcjE6cGFzc3dk')],
    ['another scheme with a valid token', (token) => auth(`Token ${token}`)],
    ['the JWT scheme with a valid token', (token) => auth(`JWT ${token}`)],
    ['a scheme with Bearer as prefix', (token) => auth(`Bearerx ${token}`)],
    ['Bearer glued to the token', (token) => auth(`Bearer${token}`)],
    ['a bare token without scheme', (token) => auth(token)],
    ['the token in another header', (token) => ({ 'x-access-token': token })],
    ['the token in a cookie', (token) => ({ cookie: `access_token=${token}` })],
    ['the token as a second, unused header', (token) => ({ 'x-authorization': `Bearer ${token}` })],
  ] as Array<[string, Case[2]]>
).map(([name, headers]) => [name, 'token_missing', headers]);

/** A token for this module that is not one token: `token_malformed`. */
const MALFORMED: Case[] = (
  [
    ['two tokens after Bearer', (token) => auth(`Bearer ${token} ${token}`)],
    ['two credentials, comma-separated', (token) => auth(`Bearer ${token}, Bearer ${token}`)],
    ['two credentials, comma without space', (token) => auth(`Bearer ${token},Bearer ${token}`)],
    ['the token and a tab-separated word', (token) => auth(`Bearer ${token}\tx`)],
    ['a quoted token', (token) => auth(`Bearer "${token}"`)],
    ['the token with a semicolon', (token) => auth(`Bearer ${token};`)],
    ['the token with a trailing dot', (token) => auth(`Bearer ${token}.`)],
    ['a token=... parameter', (token) => auth(`Bearer token=${token}`)],
    [
      'the token URL-encoded with a dot as %2E',
      (token) => auth(`Bearer ${token.replaceAll('.', '%2E')}`),
    ],
  ] as Array<[string, Case[2]]>
).map(([name, headers]) => [name, 'token_malformed', headers]);

/** Spellings RFC 7235 and SPEC §3 allow (scheme case-insensitive, 1*SP): the token is read. */
const ACCEPTED: Array<[string, (token: string) => Headers]> = [
  ['lower-case scheme', (token) => auth(`bearer ${token}`)],
  ['upper-case scheme', (token) => auth(`BEARER ${token}`)],
  ['mixed-case scheme', (token) => auth(`BeArEr ${token}`)],
  ['two spaces after the scheme', (token) => auth(`Bearer  ${token}`)],
  ['a tab after the scheme', (token) => auth(`Bearer\t${token}`)],
];

/**
 * The `Authorization` header itself (RFC 6750 §2.1, RFC 7235 §2.1): missing, other schemes,
 * several tokens, odd spacing, on every route that reads a token.
 */
describe.each(ADAPTERS)('attacks through the Authorization header (%s)', (adapter) => {
  describe.each(['HS256', 'RS256'] as const)('%s', (alg) => {
    let target: Target;
    beforeAll(async () => {
      target = await startTarget(adapter, alg);
    });
    afterAll(() => target.close());

    it.each([...MISSING, ...MALFORMED])('%s → %s', async (_name, code, headers) => {
      await expectRefused(
        target,
        (kind) => ({ headers: headers(target.valid(kind), target) }),
        code,
      );
    });

    it.each(ACCEPTED)('control, accepted: %s', async (_name, headers) => {
      await expectAccepted(target, () => ({ headers: headers(target.access) }));
    });

    it.each([
      ['forged first', true],
      ['forged second', false],
    ])(
      'two Authorization lines, %s → 400 from the HTTP server or 401 token_invalid',
      async (_name, forgedFirst) => {
        const forged = target.valid('access').replace(/\.[^.]+$/, '.AAAA');
        const answers: Record<string, string> = {};
        for (const route of ROUTES) {
          const lines: Array<[string, string]> = [
            ['authorization', `Bearer ${forged}`],
            ['authorization', `Bearer ${target.valid(kindFor(route))}`],
          ];
          const answer = await rawRequest(`${target.base}${route.path}`, {
            method: route.method,
            headers: forgedFirst ? lines : lines.reverse(),
          });
          const code = answer.status === 401 ? JSON.parse(answer.body!).code : undefined;
          // Node's HTTP parser refuses a repeated Authorization line (400) before any route runs.
          answers[route.label] =
            answer.status === 400 || code === 'token_invalid'
              ? 'refused'
              : `${answer.status} ${code}`;
        }
        expect(answers).toEqual(
          Object.fromEntries(ROUTES.map((route) => [route.label, 'refused'])),
        );
        const after = await request(`${target.base}/protected`, { token: target.access });
        expect(after.status).toBe(200);
      },
    );

    // Passport hands strategies no response: the challenge goes through Express's req.res, and
    // on Fastify through the reply the module's onRequest hook links to the request.
    it("AuthGuard('jwt-security') sends the same WWW-Authenticate challenge as JwtAuthGuard (SPEC §4)", async () => {
      const tokens: Record<string, Headers> = {
        token_missing: {},
        token_malformed: auth('Bearer not-a-jwt'),
        token_invalid: auth(`Bearer ${target.access.replace(/\.[^.]+$/, '.AAAA')}`),
        token_wrong_type: auth(`Bearer ${target.refresh}`),
      };
      const challenges: Record<string, unknown> = {};
      const expected: Record<string, unknown> = {};
      for (const [code, headers] of Object.entries(tokens)) {
        const guard = await request(`${target.base}/protected`, { headers });
        const passport = await request(`${target.base}/passport`, { headers });
        expect([guard.status, guard.body.code, passport.status, passport.body.code]).toEqual([
          401,
          code,
          401,
          code,
        ]);
        expected[code] = guard.headers.get('www-authenticate');
        challenges[code] = passport.headers.get('www-authenticate');
      }
      expect(challenges).toEqual(expected);
      for (const challenge of Object.values(challenges)) {
        expect(challenge).toMatch(/^Bearer realm="api"/);
      }
    });
  });
});
