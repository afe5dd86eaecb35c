import { MAX_NUMERIC_DATE } from '../../lib/internal/token-codec.js';
import { ADAPTERS } from '../utils/http-app.js';
import { b64, segment } from '../utils/keys.js';
import { expectAccepted, expectRefused } from './fixtures/routes.js';
import { AUDIENCE, ISSUER, startTarget, type Json, type Target } from './fixtures/target.js';

const now = (): number => Math.floor(Date.now() / 1000);
/** A JSON number that parses to ±Infinity (JSON.stringify cannot write one). */
const INFINITE = '@1e400';
const MINUS_INFINITE = '@-1e400';

type Case = [name: string, code: string, claims: () => Json];

/** JSON text of `claims`, writing the markers above as the literal numbers they stand for. */
function claimsText(claims: Json): string {
  return JSON.stringify(claims)
    .replaceAll(`"${INFINITE}"`, '1e400')
    .replaceAll(`"${MINUS_INFINITE}"`, '-1e400');
}

/** One claim set to each value; `undefined` removes it. */
function variants(claim: string, code: string, values: Array<[string, () => unknown]>): Case[] {
  return values.map(([name, value]): Case => [
    `${claim} ${name}`,
    code,
    () => ({ [claim]: value() }),
  ]);
}

/** RFC 7519 §4.1.4/5/6: NumericDate claims of the wrong type or outside their window. */
const TIME_CASES: Case[] = [
  ...variants('exp', 'token_invalid', [
    ['missing', () => undefined],
    ['a string holding a future time', () => String(now() + 600)],
    ['an empty string', () => ''],
    ['null', () => null],
    ['true', () => true],
    ['an array holding a future time', () => [now() + 600]],
    ['an object', () => ({ time: now() + 600 })],
    ['Infinity (1e400)', () => INFINITE],
    ['-Infinity (-1e400)', () => MINUS_INFINITE],
  ]),
  // Out of the NumericDate range (0 to the end of year 9999): refused before any route, so that
  // no lifetime derived from them (a store TTL, a cookie Max-Age) reaches a store.
  ...variants('exp', 'token_invalid', [
    ['huge (1e300)', () => 1e300],
    ['one second after year 9999', () => MAX_NUMERIC_DATE + 1],
  ]),
  ...variants('exp', 'token_expired', [
    ['a minute ago', () => now() - 60],
    ['a float half a second ago', () => Date.now() / 1000 - 0.5],
    ['zero', () => 0],
    ['negative', () => -1],
  ]),
  ...variants('nbf', 'token_invalid', [
    ['a string', () => String(now() - 60)],
    ['null', () => null],
    ['an array', () => [now() - 60]],
    ['a minute ahead', () => now() + 60],
    ['a float 30.5 s ahead', () => now() + 30.5],
    ['huge (1e300)', () => 1e300],
    ['Infinity (1e400)', () => INFINITE],
    ['negative', () => -1],
  ]),
  ...variants('iat', 'token_invalid', [
    ['a string', () => String(now())],
    ['null', () => null],
    ['an array', () => [now()]],
    ['true', () => true],
    ['Infinity (1e400)', () => INFINITE],
    ['huge (1e300)', () => 1e300],
    ['negative', () => -1],
    ['a minute in the future', () => now() + 60],
  ]),
];

/** `aud` and `iss` of the wrong value or type (both are configured on the target). */
const AUDIENCE_CASES: Case[] = [
  ...variants('aud', 'token_invalid', [
    ['missing', () => undefined],
    ['another audience', () => 'another-api'],
    ['ours in upper case', () => AUDIENCE.toUpperCase()],
    ['ours with a suffix', () => `${AUDIENCE}-evil`],
    ['ours with a prefix', () => `evil-${AUDIENCE}`],
    ['ours with a trailing space', () => `${AUDIENCE} `],
    ['an array of other audiences', () => ['another-api', 'third-api']],
    ['an empty array', () => []],
    ['an array holding ours and a number', () => [AUDIENCE, 1]],
    ['a number', () => 1],
    ['null', () => null],
    ['an object', () => ({ aud: AUDIENCE })],
  ]),
  ...variants('iss', 'token_invalid', [
    ['missing', () => undefined],
    ['another issuer', () => 'https://evil.example'],
    ['ours with a trailing slash', () => `${ISSUER}/`],
    ['ours in upper case', () => ISSUER.toUpperCase()],
    ['ours with a suffix', () => `${ISSUER}.evil.example`],
    ['an array holding ours', () => [ISSUER]],
    ['a number', () => 1],
    ['null', () => null],
  ]),
];

/** Claims the module relies on, of the wrong type (SPEC §5). */
const SHAPE_CASES: Case[] = [
  ...variants('sub', 'token_invalid', [
    ['missing', () => undefined],
    ['empty', () => ''],
    ['a number', () => 1],
    ['null', () => null],
    ['an array', () => ['users:admin']],
    ['an object', () => ({ id: 'users:admin' })],
  ]),
  ...variants('jti', 'token_invalid', [
    ['missing', () => undefined],
    ['a number', () => 1],
    ['null', () => null],
    ['an object', () => ({})],
  ]),
  ...variants('sid', 'token_invalid', [
    ['missing', () => undefined],
    ['a number', () => 1],
    ['null', () => null],
    ['an array', () => ['sid']],
  ]),
  ...variants('fresh', 'token_invalid', [
    ['the string "true"', () => 'true'],
    ['the number 1', () => 1],
  ]),
];

/** Values RFC 7519 allows, under the server's own signature: served, never an error. */
const ACCEPTED: Array<[string, () => Json]> = [
  ['aud an array holding ours (RFC 7519 §4.1.3)', () => ({ aud: ['another-api', AUDIENCE] })],
  ['exp a float in the future', () => ({ exp: now() + 60.25 })],
  ['iat a float', () => ({ iat: now() - 0.75 })],
  ['iat missing', () => ({ iat: undefined })],
  ['nbf a minute ago', () => ({ nbf: now() - 60 })],
  ['exp at the end of year 9999', () => ({ exp: MAX_NUMERIC_DATE })],
  // 1.5 s, not less: jsonwebtoken (behind AuthGuard('jwt-security')) compares whole seconds.
  ['nbf a float 1.5 s ago', () => ({ nbf: Date.now() / 1000 - 1.5 })],
];

/**
 * Claims attacks (RFC 8725 §3.8-3.9, RFC 7519 §4.1): each token is signed by the server's real
 * key with the base session's claims, of which exactly one is changed, so each case proves the
 * one check that refuses it.
 */
describe.each(ADAPTERS)('attacks through claims (%s)', (adapter) => {
  describe.each(['HS256', 'RS256'] as const)('%s', (alg) => {
    let target: Target;
    beforeAll(async () => {
      target = await startTarget(adapter, alg);
    });
    afterAll(() => target.close());

    const signed = (t: Target, claims: Json): string =>
      t.signRaw(segment(t.header), b64(claimsText(claims)));

    it.each([...TIME_CASES, ...AUDIENCE_CASES, ...SHAPE_CASES])(
      '%s → %s',
      async (_name, code, overrides) => {
        await expectRefused(
          target,
          (kind) => signed(target, target.claims(kind, overrides())),
          code,
        );
      },
    );

    it.each(ACCEPTED)('control, accepted: %s', async (_name, overrides) => {
      await expectAccepted(target, (kind) => signed(target, target.claims(kind, overrides())));
    });
  });
});
