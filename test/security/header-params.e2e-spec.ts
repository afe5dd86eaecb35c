import { createHash } from 'node:crypto';
import type { JWK } from 'jose';
import { ADAPTERS } from '../utils/http-app.js';
import { segment } from '../utils/keys.js';
import {
  attackerKeys,
  startAttackerServer,
  type AttackerKeys,
  type AttackerServer,
} from './fixtures/attacker.js';
import { expectRefused } from './fixtures/routes.js';
import {
  configurations,
  SECURITY_ALGORITHMS,
  startTarget,
  type Json,
  type Target,
  type TokenKind,
} from './fixtures/target.js';

interface Env {
  t: Target;
  a: AttackerKeys;
  /** Base URL of the attacker's server. */
  url: string;
}

type Case = [name: string, code: string, make: (env: Env, kind: TokenKind) => string];

/** The attacker's key and JWK of the configuration's family. */
function attackerKey(env: Env): { key: Parameters<Target['signRaw']>[3]; jwk: JWK } {
  const { a, t } = env;
  if (t.alg === 'HS256') return { key: a.secret, jwk: a.octJwk };
  return t.alg === 'RS256'
    ? { key: a.rsa.privateKey, jwk: a.rsa.jwk }
    : { key: a.ec.privateKey, jwk: a.ec.jwk };
}

/** The base claims of `kind` under `header`, signed with the attacker's key of the right family. */
function byAttacker(env: Env, kind: TokenKind, header: Json): string {
  const { t } = env;
  return t.signRaw(
    segment({ alg: t.alg, typ: 'JWT', ...header }),
    segment(t.claims(kind)),
    t.alg,
    attackerKey(env).key,
  );
}

const x5tS256 = (a: AttackerKeys): string =>
  createHash('sha256').update(Buffer.from(a.certificate, 'base64')).digest('base64url');

/**
 * RFC 8725 §3.10 / SPEC §5: keys named by the token itself are never used nor fetched. Each token
 * is signed by the attacker's key that the header points at.
 */
const KEY_INJECTION: Case[] = (
  [
    [
      'jku to the attacker JWKS, attacker kid',
      (e, k) => byAttacker(e, k, { jku: `${e.url}/jwks.json`, kid: attackerKey(e).jwk.kid }),
    ],
    [
      'jku to the attacker JWKS, our kid',
      (e, k) => byAttacker(e, k, { jku: `${e.url}/jwks.json`, kid: e.t.kid }),
    ],
    ['jku to the attacker JWKS, no kid', (e, k) => byAttacker(e, k, { jku: `${e.url}/jwks.json` })],
    [
      'x5u to the attacker certificate, no kid',
      (e, k) => byAttacker(e, k, { x5u: `${e.url}/cert.pem` }),
    ],
    [
      'x5u to the attacker certificate, our kid',
      (e, k) => byAttacker(e, k, { x5u: `${e.url}/cert.pem`, kid: e.t.kid }),
    ],
    [
      'jwk embedding the attacker key, no kid',
      (e, k) => byAttacker(e, k, { jwk: attackerKey(e).jwk }),
    ],
    [
      'jwk embedding the attacker key, our kid',
      (e, k) => byAttacker(e, k, { jwk: { ...attackerKey(e).jwk, kid: e.t.kid }, kid: e.t.kid }),
    ],
    [
      'jwk embedding the attacker key, its kid',
      (e, k) => byAttacker(e, k, { jwk: attackerKey(e).jwk, kid: attackerKey(e).jwk.kid }),
    ],
    [
      'x5c with the attacker certificate, no kid',
      (e, k) => byAttacker(e, k, { x5c: [e.a.certificate] }),
    ],
    [
      'x5c with the attacker certificate, our kid',
      (e, k) => byAttacker(e, k, { x5c: [e.a.certificate], kid: e.t.kid }),
    ],
    [
      'x5t#S256 of the attacker certificate, our kid',
      (e, k) => byAttacker(e, k, { 'x5t#S256': x5tS256(e.a), kid: e.t.kid }),
    ],
    [
      'jku, x5u, jwk and x5c together, our kid',
      (e, k) =>
        byAttacker(e, k, {
          kid: e.t.kid,
          jku: `${e.url}/jwks.json`,
          x5u: `${e.url}/cert.pem`,
          jwk: attackerKey(e).jwk,
          x5c: [e.a.certificate],
        }),
    ],
  ] as Array<[string, Case[2]]>
).map(([name, make]): Case => [name, 'token_invalid', make]);

/** The base claims under our header plus `extra`, signed with the server's real key. */
const real = (e: Env, kind: TokenKind, extra: Json): string =>
  e.t.sign({ ...e.t.header, ...extra }, e.t.claims(kind));

/** RFC 7515 §4.1.11 `crit`, RFC 7797 `b64`, and `typ`, each signed by the real key. */
const HEADER_PARAMS: Case[] = [
  [
    'crit naming an unknown extension',
    'token_invalid',
    (e, k) => real(e, k, { crit: ['urn:attacker:ext'], 'urn:attacker:ext': true }),
  ],
  [
    'crit naming an extension that is absent',
    'token_invalid',
    (e, k) => real(e, k, { crit: ['urn:attacker:ext'] }),
  ],
  ['crit empty', 'token_invalid', (e, k) => real(e, k, { crit: [] })],
  [
    'crit a string',
    'token_invalid',
    (e, k) => real(e, k, { crit: 'urn:attacker:ext', 'urn:attacker:ext': 1 }),
  ],
  ['crit naming alg', 'token_invalid', (e, k) => real(e, k, { crit: ['alg'] })],
  [
    'crit b64 with b64 false (encoded payload)',
    'token_invalid',
    (e, k) => real(e, k, { crit: ['b64'], b64: false }),
  ],
  ['b64 false without crit', 'token_invalid', (e, k) => real(e, k, { b64: false })],
  ['b64 true with crit', 'token_invalid', (e, k) => real(e, k, { crit: ['b64'], b64: true })],
  [
    'b64 false with the payload unencoded (RFC 7797 compact form)',
    'token_malformed',
    (e, k) => {
      const header = segment({ ...e.t.header, crit: ['b64'], b64: false });
      const payload = JSON.stringify(e.t.claims(k));
      const signature = e.t.signRaw(header, payload).split('.').pop();
      return `${header}.${payload}.${signature}`;
    },
  ],
  [
    'b64 false with a detached payload (h..s)',
    'token_malformed',
    (e, k) => {
      const header = segment({ ...e.t.header, crit: ['b64'], b64: false });
      const signature = e.t
        .signRaw(header, JSON.stringify(e.t.claims(k)))
        .split('.')
        .pop();
      return `${header}..${signature}`;
    },
  ],
  ['typ JWE', 'token_invalid', (e, k) => real(e, k, { typ: 'JWE' })],
  ['typ JOSE+JSON', 'token_invalid', (e, k) => real(e, k, { typ: 'JOSE+JSON' })],
  ['typ empty', 'token_invalid', (e, k) => real(e, k, { typ: '' })],
  ['typ null', 'token_invalid', (e, k) => real(e, k, { typ: null })],
  ['typ a number', 'token_invalid', (e, k) => real(e, k, { typ: 1 })],
];

/**
 * Header parameters an attacker controls: key injection (`jku`, `x5u`, `jwk`, `x5c`, `x5t#S256`),
 * `crit`, `b64` and `typ`, on every route that reads a token. The attacker's server must never be
 * called: the module neither fetches a key URL nor uses a key from the token. The token goes in
 * the Authorization header, and (RS256) in a cookie.
 */
describe.each(ADAPTERS)('attacks through header parameters (%s)', (adapter) => {
  let server: AttackerServer;
  let attacker: AttackerKeys;
  beforeAll(async () => {
    attacker = await attackerKeys();
    server = await startAttackerServer(attacker);
  });
  afterAll(() => server.close());

  describe.each(configurations(SECURITY_ALGORITHMS))('%s', (_label, alg, transport) => {
    let env: Env;
    beforeAll(async () => {
      env = { t: await startTarget(adapter, alg, transport), a: attacker, url: server.url };
    });
    afterAll(() => env.t.close());

    it('the attacker server works: it would be seen if it were called', async () => {
      const before = server.requests.length;
      expect((await fetch(`${server.url}/jwks.json`)).status).toBe(200);
      expect(server.requests.length).toBe(before + 1);
      server.requests.length = 0;
    });

    it.each([...KEY_INJECTION, ...HEADER_PARAMS])('%s → %s', async (_name, code, make) => {
      await expectRefused(env.t, (kind) => make(env, kind), code);
      expect(server.requests).toEqual([]);
    });
  });

  it('no request ever reached the attacker server', () => {
    expect(server.requests).toEqual([]);
  });
});
