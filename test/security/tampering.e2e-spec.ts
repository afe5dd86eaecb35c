import { ADAPTERS } from '../utils/http-app.js';
import { peekClaims } from '../utils/jwt-e2e.js';
import { b64 } from '../utils/keys.js';
import { expectRefused } from './fixtures/routes.js';
import {
  SECURITY_ALGORITHMS,
  startTarget,
  type Json,
  type Target,
  type TokenKind,
} from './fixtures/target.js';

type Case = [name: string, code: string, make: (t: Target, kind: TokenKind) => string];

const parts = (token: string): [string, string, string] => token.split('.') as never;

/** The server's own token of `kind` with its payload rewritten, under the original signature. */
function withPayload(t: Target, kind: TokenKind, change: (claims: Json) => Json | string): string {
  const [header, payload, signature] = parts(t.valid(kind));
  const changed = change(peekClaims(t.valid(kind)));
  const text = typeof changed === 'string' ? changed : JSON.stringify(changed);
  const encoded = b64(text);
  if (encoded === payload) throw new Error('the tampered payload must differ');
  return `${header}.${encoded}.${signature}`;
}

/** The server's own token of `kind` with its header rewritten, under the original signature. */
function withHeader(t: Target, kind: TokenKind, change: (header: Json) => Json | string): string {
  const [, payload, signature] = parts(t.valid(kind));
  const changed = change({ ...t.header });
  return `${b64(typeof changed === 'string' ? changed : JSON.stringify(changed))}.${payload}.${signature}`;
}

const now = (): number => Math.floor(Date.now() / 1000);

/** Claims changed under the original signature: every one must break the signature. */
const PAYLOAD_CASES: Case[] = (
  [
    ['sub raised to users:admin', (c) => ({ ...c, sub: 'users:admin' })],
    ['obj flipped', (c) => ({ ...c, obj: c.obj === 'access' ? 'refresh' : 'access' })],
    ['exp pushed a year ahead', (c) => ({ ...c, exp: now() + 31_536_000 })],
    ['exp removed', ({ exp: _exp, ...c }) => c],
    ['scope admin added', (c) => ({ ...c, scope: ['admin'] })],
    ['fresh added or removed', ({ fresh, ...c }) => (fresh ? c : { ...c, fresh: true })],
    ['sid of another session', (c) => ({ ...c, sid: 'another-session' })],
    ['jti changed', (c) => ({ ...c, jti: 'another-token' })],
    ['aud changed', (c) => ({ ...c, aud: 'another-api' })],
    ['iss changed', (c) => ({ ...c, iss: 'https://evil.example' })],
    ['same claims re-serialised with spaces', (c) => JSON.stringify(c, null, 1)],
    ['same claims in another key order', (c) => Object.fromEntries(Object.entries(c).reverse())],
    ['an extra claim appended', (c) => ({ ...c, role: 'admin' })],
  ] as Array<[string, (claims: Json) => Json | string]>
).map(([name, change]): Case => [name, 'token_invalid', (t, k) => withPayload(t, k, change)]);

/** Header changed under the original signature. */
const HEADER_CASES: Case[] = (
  [
    ['kid removed', ({ kid: _kid, ...h }) => h],
    ['typ removed', ({ typ: _typ, ...h }) => h],
    ['header re-serialised with spaces', (h) => JSON.stringify(h, null, 1)],
    ['a parameter appended to the header', (h) => ({ ...h, cty: 'JWT' })],
  ] as Array<[string, (header: Json) => Json | string]>
).map(([name, change]): Case => [name, 'token_invalid', (t, k) => withHeader(t, k, change)]);

/** Signatures changed in a way that changes their bytes (the last character may not). */
const SIGNATURE_CASES: Case[] = [
  [
    'first signature character changed',
    'token_invalid',
    (t, k) =>
      t
        .valid(k)
        .replace(
          /\.([^.])([^.]*)$/,
          (_m, c: string, rest: string) => `.${c === 'A' ? 'B' : 'A'}${rest}`,
        ),
  ],
  [
    'one signature byte flipped in the middle',
    'token_invalid',
    (t, k) => {
      const [h, p, s] = parts(t.valid(k));
      const bytes = Buffer.from(s, 'base64url');
      const middle = bytes.length >> 1;
      bytes[middle] = bytes[middle]! ^ 0x01;
      return `${h}.${p}.${bytes.toString('base64url')}`;
    },
  ],
  [
    'payload of the other token of the session under this signature',
    'token_invalid',
    (t, k) => {
      const [h, , s] = parts(t.valid(k));
      return `${h}.${parts(t.valid(k === 'access' ? 'refresh' : 'access'))[1]}.${s}`;
    },
  ],
];

/**
 * Tampering (OWASP JWT cheat sheet, "token sidejacking" aside): the server's own tokens with
 * claims, header or signature changed must never verify, whatever was changed.
 */
describe.each(ADAPTERS)('attacks by tampering with a real token (%s)', (adapter) => {
  describe.each(SECURITY_ALGORITHMS)('%s', (alg) => {
    let target: Target;
    beforeAll(async () => {
      target = await startTarget(adapter, alg);
    });
    afterAll(() => target.close());

    it.each([...PAYLOAD_CASES, ...HEADER_CASES, ...SIGNATURE_CASES])(
      '%s → %s',
      async (_name, code, make) => {
        await expectRefused(target, (kind) => make(target, kind), code);
      },
    );
  });
});
