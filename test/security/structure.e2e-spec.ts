import { createHash } from 'node:crypto';
import { CompactEncrypt } from 'jose';
import { ADAPTERS } from '../utils/http-app.js';
import { b64, segment } from '../utils/keys.js';
import { expectAccepted, expectRefused } from './fixtures/routes.js';
import { configurations, startTarget, type Target, type TokenKind } from './fixtures/target.js';

type Make = (t: Target, kind: TokenKind) => string | Promise<string>;
type Case = [name: string, code: string, make: Make];

const parts = (token: string): [string, string, string] => token.split('.') as never;
/** The segments of the server's own token of `kind`, with one replaced. */
const replace = (t: Target, kind: TokenKind, index: 0 | 1 | 2, value: string): string => {
  const segments = parts(t.valid(kind));
  segments[index] = value;
  return segments.join('.');
};
const raw = (bytes: number[]): string => Buffer.from(bytes).toString('base64url');

/** Cases that all expect `code`. */
const withCode = (code: string, list: Array<[string, Make]>): Case[] =>
  list.map(([name, make]) => [name, code, make]);

/** Not three base64url segments: every one is `token_malformed`. */
const SHAPE_CASES: Case[] = withCode('token_malformed', [
  ['one part: a header alone', (t, k) => parts(t.valid(k))[0]],
  ['one part: a word', () => 'admin'],
  ['two parts', (t, k) => parts(t.valid(k)).slice(0, 2).join('.')],
  ['four parts', (t, k) => `${t.valid(k)}.${parts(t.valid(k))[2]}`],
  [
    'five parts, JWE-looking',
    (t, k) =>
      [
        segment({ alg: 'RSA-OAEP', enc: 'A256GCM' }),
        'AAAA',
        'BBBB',
        parts(t.valid(k))[1],
        'CCCC',
      ].join('.'),
  ],
  ['two tokens joined by a dot', (t) => `${t.valid('access')}.${t.valid('refresh')}`],
  ['only dots', () => '..'],
  ['empty header', (t, k) => replace(t, k, 0, '')],
  ['empty payload', (t, k) => replace(t, k, 1, '')],
  ...['+', '/', '%', '*', '!', '~', '$', '"', '\\', '[', ':', ','].map((c): [string, Make] => [
    `"${c}" in the payload`,
    (t, k) => replace(t, k, 1, `${parts(t.valid(k))[1]}${c}`),
  ]),
  ['"/" in the signature', (t, k) => replace(t, k, 2, `/${parts(t.valid(k))[2]}`)],
  ['"+" in the header', (t, k) => replace(t, k, 0, `+${parts(t.valid(k))[0]}`)],
  ['padding "=" after the header', (t, k) => replace(t, k, 0, `${parts(t.valid(k))[0]}=`)],
  ['padding "==" after the payload', (t, k) => replace(t, k, 1, `${parts(t.valid(k))[1]}==`)],
  ['padding "=" after the signature', (t, k) => replace(t, k, 2, `${parts(t.valid(k))[2]}=`)],
  [
    'the token base64 (not base64url) encoded',
    (t, k) => Buffer.from(t.valid(k)).toString('base64'),
  ],
]);

/** A header that is not a JSON object. */
const HEADER_JSON_CASES: Case[] = [
  ['not JSON', b64('not json')],
  ['a JSON array', b64('["HS256"]')],
  ['a JSON string', b64('"HS256"')],
  ['a JSON number', b64('256')],
  ['JSON null', b64('null')],
  ['JSON true', b64('true')],
  ['JSON with trailing garbage', b64('{"alg":"HS256"}x')],
  ['invalid UTF-8', raw([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
  ['JSON after a byte order mark', b64('\ufeff{"alg":"HS256","typ":"JWT"}')],
].map(([name, header]) => [
  `header ${name}`,
  'token_malformed',
  (t: Target, k: TokenKind) => replace(t, k, 0, header!),
]);

/** A payload that is not a JSON object, under our header and signed by the real key. */
const PAYLOAD_JSON_CASES: Case[] = [
  ['not JSON', b64('not json')],
  ['a JSON array', b64('[{"sub":"users:user1"}]')],
  ['a JSON string', b64('"users:user1"')],
  ['a JSON number', b64('1')],
  ['JSON null', b64('null')],
  ['JSON false', b64('false')],
  ['JSON with trailing garbage', b64('{"sub":"users:user1"}}')],
  ['invalid UTF-8', raw([0xff, 0xfe, 0xfd])],
  ['a whole signed token (nested JWT)', '@nested'],
].map(([name, payload]) => [
  `payload ${name}, signed by the real key`,
  'token_malformed',
  (t: Target, k: TokenKind) =>
    t.signRaw(segment(t.header), payload === '@nested' ? b64(t.valid(k)) : payload!),
]);

/** JSON text of `value` with `"name":dup` appended as a duplicate member. */
const duplicate = (value: object, name: string, dup: unknown): string =>
  `${JSON.stringify(value).slice(0, -1)},${JSON.stringify(name)}:${JSON.stringify(dup)}}`;

/**
 * Duplicate members (RFC 7515 §4, RFC 7519 §4): the module keeps the last one, as JSON.parse and
 * jsonwebtoken do, and that last value goes through every check.
 */
const DUPLICATE_CASES: Case[] = [
  [
    'header alg duplicated, last none, unsigned',
    'token_invalid',
    (t, k) => `${b64(duplicate(t.header, 'alg', 'none'))}.${segment(t.claims(k))}.`,
  ],
  [
    'header alg duplicated, first none, signed by the real key',
    'token_invalid',
    (t, k) =>
      t.signRaw(b64(duplicate({ alg: 'none', ...t.header }, 'alg', 'none')), segment(t.claims(k))),
  ],
  [
    'header kid duplicated, last unknown, signed by the real key',
    'token_invalid',
    (t, k) => t.signRaw(b64(duplicate(t.header, 'kid', 'unknown')), segment(t.claims(k))),
  ],
  [
    'payload sub duplicated as users:admin under the original signature',
    'token_invalid',
    (t, k) => replace(t, k, 1, b64(duplicate(t.claims(k), 'sub', 'users:admin'))),
  ],
  [
    'payload exp duplicated, last in the past, signed by the real key',
    'token_expired',
    (t, k) =>
      t.signRaw(
        segment(t.header),
        b64(duplicate(t.claims(k), 'exp', Math.floor(Date.now() / 1000) - 60)),
      ),
  ],
  [
    'payload obj duplicated, last unknown, signed by the real key',
    'token_invalid',
    (t, k) => t.signRaw(segment(t.header), b64(duplicate(t.claims(k), 'obj', 'id'))),
  ],
  [
    'payload aud duplicated, last wrong, signed by the real key',
    'token_invalid',
    (t, k) => t.signRaw(segment(t.header), b64(duplicate(t.claims(k), 'aud', 'another-api'))),
  ],
];

/** A real JWE (five parts) of valid claims, encrypted with the server's own key material. */
const JWE_CASE: Case = [
  'a real JWE of valid claims, encrypted to the server key',
  'token_malformed',
  async (t, k) => {
    const plaintext = new TextEncoder().encode(JSON.stringify(t.claims(k)));
    if (t.alg === 'HS256') {
      const key = createHash('sha256').update(t.signingKey.export()).digest();
      return new CompactEncrypt(plaintext)
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
        .encrypt(key);
    }
    return new CompactEncrypt(plaintext)
      .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: t.kid })
      .encrypt(t.publicKey!);
  },
];

/**
 * Tokens that are not a compact JWS of JSON objects (RFC 7515 §7.1, RFC 7519 §7.2): wrong number
 * of parts, characters outside base64url, padding, non-JSON or non-object segments, and
 * duplicate members. The token goes in the Authorization header, and (RS256) in a cookie.
 */
describe.each(ADAPTERS)('attacks on the token structure (%s)', (adapter) => {
  describe.each(configurations(['HS256', 'RS256']))('%s', (_label, alg, transport) => {
    let target: Target;
    beforeAll(async () => {
      target = await startTarget(adapter, alg, transport);
    });
    afterAll(() => target.close());

    it('control: our header and claims re-encoded and signed by the real key are accepted', async () => {
      await expectAccepted(target, (kind) =>
        target.signRaw(segment(target.header), segment(target.claims(kind))),
      );
    });

    it.each([
      ...SHAPE_CASES,
      ...HEADER_JSON_CASES,
      ...PAYLOAD_JSON_CASES,
      ...DUPLICATE_CASES,
      JWE_CASE,
    ])('%s → %s', async (_name, code, make) => {
      await expectRefused(target, (kind) => make(target, kind), code);
    });
  });
});
