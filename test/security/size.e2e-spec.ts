import { ADAPTERS, request } from '../utils/http-app.js';
import { rawRequest, type RawAnswer } from './fixtures/raw-http.js';
import { expectRefused, kindFor, ROUTES } from './fixtures/routes.js';
import { startTarget, type Target, type TokenKind } from './fixtures/target.js';

const KB = 1024;

/** A token of exactly `length` characters: the real token's header and payload, a long signature. */
function tokenOfLength(t: Target, kind: TokenKind, length: number): string {
  const token = t.valid(kind);
  const signingInput = token.slice(0, token.lastIndexOf('.') + 1);
  return signingInput + 'A'.repeat(length - signingInput.length);
}

/** Over `maxTokenSize` (8192) but small enough for the HTTP parser: the module refuses them. */
const OVER_MAX_TOKEN_SIZE: Array<[string, (t: Target, kind: TokenKind) => string]> = [
  ['a token of maxTokenSize + 1 characters', (t, k) => tokenOfLength(t, k, 8193)],
  ['a token of 12 KB', (t, k) => tokenOfLength(t, k, 12 * KB)],
  ['the real token with 9 KB appended to its signature', (t, k) => t.valid(k) + 'A'.repeat(9 * KB)],
  [
    'the real token with 9 KB prepended to its payload',
    (t, k) => t.valid(k).replace('.', `.${'A'.repeat(9 * KB)}`),
  ],
];

/** Requests whose headers exceed what the HTTP server takes (Node's limit is 16 KB). */
const OVERSIZED: Array<[string, (t: Target, kind: TokenKind) => Array<[string, string]>]> = [
  ['a 100 KB token', (t, k) => [['authorization', `Bearer ${tokenOfLength(t, k, 100 * KB)}`]]],
  ['a 1 MB token', (t, k) => [['authorization', `Bearer ${tokenOfLength(t, k, 1024 * KB)}`]]],
  [
    'a 100 KB header beside a valid token',
    (t, k) => [
      ['authorization', `Bearer ${t.valid(k)}`],
      ['x-padding', 'p'.repeat(100 * KB)],
    ],
  ],
  [
    'a 100 KB cookie beside a valid token',
    (t, k) => [
      ['authorization', `Bearer ${t.valid(k)}`],
      ['cookie', `session=${'c'.repeat(100 * KB)}`],
    ],
  ],
  [
    'two thousand Authorization lines',
    (t, k) => Array.from({ length: 2000 }, () => ['authorization', `Bearer ${t.valid(k)}`]),
  ],
];

/** A refused oversized request: one of the statuses the brief allows, and never a 5xx. */
const OVERSIZE_STATUSES = [400, 401, 413, 431];

function describeAnswer(answer: RawAnswer): string {
  if (answer.status === undefined) return `no answer (${answer.error})`;
  return OVERSIZE_STATUSES.includes(answer.status) ? 'refused' : `status ${answer.status}`;
}

/**
 * Oversized tokens and headers (SPEC §4 `token_malformed` "too large"; RFC 8725 §3.1 DoS):
 * refused with a 4xx by the module or by the HTTP server, never a 5xx, and the app goes on.
 */
describe.each(ADAPTERS)('attacks by size (%s)', (adapter) => {
  describe.each(['HS256', 'RS256'] as const)('%s', (alg) => {
    let target: Target;
    beforeAll(async () => {
      target = await startTarget(adapter, alg);
    });
    afterAll(() => target.close());

    it.each(OVER_MAX_TOKEN_SIZE)('%s → token_malformed', async (_name, make) => {
      await expectRefused(target, (kind) => make(target, kind), 'token_malformed');
    });

    it.each(OVERSIZED)('%s → 400/401/413/431, never 5xx', async (_name, make) => {
      const answers: Record<string, string> = {};
      for (const route of ROUTES) {
        const answer = await rawRequest(`${target.base}${route.path}`, {
          method: route.method,
          headers: make(target, kindFor(route)),
        });
        answers[route.label] = describeAnswer(answer);
      }
      expect(answers).toEqual(Object.fromEntries(ROUTES.map((route) => [route.label, 'refused'])));
      const after = await request(`${target.base}/protected`, { token: target.access });
      expect(after.status).toBe(200);
    });
  });
});
