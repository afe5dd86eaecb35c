import { createPublicKey, sign as cryptoSign, type JsonWebKey } from 'node:crypto';
import { ADAPTERS } from '../utils/http-app.js';
import { segment } from '../utils/keys.js';
import { attackerKeys, type AttackerKeys } from './fixtures/attacker.js';
import { expectAccepted, expectRefused } from './fixtures/routes.js';
import {
  configurations,
  SECURITY_ALGORITHMS,
  startTarget,
  type Json,
  type SecurityAlgorithm,
  type Target,
  type TokenKind,
} from './fixtures/target.js';

type Make = (t: Target, kind: TokenKind, attacker: AttackerKeys) => string;
type Case = [name: string, code: string, make: Make];

/** `<header>.<payload>.<signature>` of the base claims of `kind` under another header. */
const unsigned = (t: Target, kind: TokenKind, header: Json, signature = ''): string =>
  `${segment(header)}.${segment(t.claims(kind))}.${signature}`;

/** RFC 8725 §2.1: `alg: none` in every spelling, with and without a signature. */
const NONE_CASES: Case[] = ['none', 'None', 'NONE', 'nOnE'].flatMap((alg): Case[] => [
  [`alg ${alg}, no signature`, 'token_invalid', (t, k) => unsigned(t, k, { alg, typ: 'JWT' })],
  [
    `alg ${alg} with our kid, no signature`,
    'token_invalid',
    (t, k) => unsigned(t, k, { ...t.header, alg }),
  ],
  [
    `alg ${alg}, junk signature`,
    'token_invalid',
    (t, k) => unsigned(t, k, { alg, typ: 'JWT' }, 'A'.repeat(43)),
  ],
  [
    `alg ${alg} with our kid, signed by the real key`,
    'token_invalid',
    (t, k) => t.sign({ ...t.header, alg }, t.claims(k), t.alg),
  ],
]);

/** `alg` absent or of another shape, otherwise signed correctly by the real key. */
const ALG_SHAPE_CASES: Case[] = (
  [
    ['alg missing', () => undefined],
    ['alg empty', () => ''],
    ['alg null', () => null],
    ['alg an array holding the right algorithm', (alg) => [alg]],
    ['alg a number', () => 256],
    ['alg in lower case', (alg) => alg.toLowerCase()],
  ] as Array<[string, (alg: string) => unknown]>
).map(([name, value]): Case => [
  name,
  'token_invalid',
  (t, k) => {
    const header: Json = { ...t.header, alg: value(t.alg) };
    if (header.alg === undefined) delete header.alg;
    return t.sign(header, t.claims(k), t.alg);
  },
]);

const signatureOf = (token: string): string => token.slice(token.lastIndexOf('.') + 1);
const withSignature = (token: string, signature: string): string =>
  `${token.slice(0, token.lastIndexOf('.'))}.${signature}`;

/** The server's own token without (part of) its signature, or with another token's. */
const SIGNATURE_CASES: Case[] = [
  ['signature stripped (h.p.)', 'token_invalid', (t, k) => withSignature(t.valid(k), '')],
  [
    'signature and its dot stripped (h.p)',
    'token_malformed',
    (t, k) => t.valid(k).slice(0, t.valid(k).lastIndexOf('.')),
  ],
  [
    'signature truncated to half',
    'token_invalid',
    (t, k) => {
      const signature = signatureOf(t.valid(k));
      return withSignature(t.valid(k), signature.slice(0, signature.length >> 1));
    },
  ],
  [
    'signature of the other token of the same session',
    'token_invalid',
    (t, k) =>
      withSignature(t.valid(k), signatureOf(t.valid(k === 'access' ? 'refresh' : 'access'))),
  ],
  [
    'signature of zero bytes',
    'token_invalid',
    (t, k) => withSignature(t.valid(k), 'A'.repeat(signatureOf(t.valid(k)).length)),
  ],
  [
    'signature doubled',
    'token_invalid',
    (t, k) => withSignature(t.valid(k), signatureOf(t.valid(k)).repeat(2)),
  ],
];

const spkiPem = (t: Target): string =>
  t.publicKey!.export({ format: 'pem', type: 'spki' }) as string;

/** HMAC keys an attacker derives from the server's public key (RFC 8725 §2.1, CVE-2015-9235). */
const PUBLIC_AS_SECRET: Array<[string, (t: Target) => string | Buffer]> = [
  ['its SPKI PEM text', spkiPem],
  ['its SPKI PEM text without the final newline', (t) => spkiPem(t).trimEnd()],
  ['its SPKI DER bytes', (t) => t.publicKey!.export({ format: 'der', type: 'spki' })],
  ['its JWK from GET /jwks as JSON text', (t) => JSON.stringify(t.publicJwk)],
  [
    'the PEM rebuilt from GET /jwks',
    (t) =>
      createPublicKey({ key: t.publicJwk as JsonWebKey, format: 'jwk' }).export({
        format: 'pem',
        type: 'spki',
      }) as string,
  ],
  [
    'its PKCS#1 PEM text (RSA; SPKI for EC)',
    (t) =>
      t.alg === 'RS256'
        ? (t.publicKey!.export({ format: 'pem', type: 'pkcs1' }) as string)
        : spkiPem(t),
  ],
];

/**
 * Asymmetric configurations: HS256 keyed with each form of the public key, HS512 with its PEM,
 * with and without our kid.
 */
const CONFUSION_CASES: Case[] = PUBLIC_AS_SECRET.flatMap(([name, secretOf], index): Case[] =>
  (index === 0 ? ['HS256', 'HS512'] : ['HS256']).flatMap((hs): Case[] => [
    [
      `${hs} keyed with ${name}, our kid`,
      'token_invalid',
      (t, k) => t.signRaw(segment({ ...t.header, alg: hs }), segment(t.claims(k)), hs, secretOf(t)),
    ],
    [
      `${hs} keyed with ${name}, no kid`,
      'token_invalid',
      (t, k) => t.signRaw(segment({ alg: hs, typ: 'JWT' }), segment(t.claims(k)), hs, secretOf(t)),
    ],
  ]),
);

/**
 * The base claims under `alg` (with our header's kid, or a bare header without one), signed with
 * the attacker's own key of that family.
 */
const byAttacker =
  (alg: 'RS256' | 'ES256', kid: 'our kid' | 'no kid'): Make =>
  (t, k, a) =>
    t.signRaw(
      segment(kid === 'our kid' ? { ...t.header, alg } : { alg, typ: 'JWT' }),
      segment(t.claims(k)),
      alg,
      alg === 'RS256' ? a.rsa.privateKey : a.ec.privateKey,
    );

const attackerCase = (alg: 'RS256' | 'ES256', kid: 'our kid' | 'no kid'): Case => [
  `${alg} with the attacker key, ${kid}`,
  'token_invalid',
  byAttacker(alg, kid),
];

/** Another algorithm than the configured one, signed with the real key or the attacker's. */
const MISMATCH_CASES: Record<SecurityAlgorithm, Case[]> = {
  HS256: [
    [
      'HS384 with the real secret, our kid',
      'token_invalid',
      (t, k) => t.sign({ ...t.header, alg: 'HS384' }, t.claims(k)),
    ],
    [
      'HS512 with the real secret, no kid',
      'token_invalid',
      (t, k) => t.sign({ alg: 'HS512', typ: 'JWT' }, t.claims(k)),
    ],
    attackerCase('RS256', 'our kid'),
    attackerCase('ES256', 'no kid'),
  ],
  RS256: [
    [
      'RS512 with the real private key, our kid',
      'token_invalid',
      (t, k) => t.sign({ ...t.header, alg: 'RS512' }, t.claims(k)),
    ],
    [
      'PS256 with the real private key, our kid',
      'token_invalid',
      (t, k) => t.sign({ ...t.header, alg: 'PS256' }, t.claims(k)),
    ],
    attackerCase('RS256', 'our kid'),
    attackerCase('ES256', 'no kid'),
  ],
  ES256: [
    [
      'ES384 header over an ES256 signature of the real key, our kid',
      'token_invalid',
      (t, k) => t.sign({ ...t.header, alg: 'ES384' }, t.claims(k), 'ES256'),
    ],
    attackerCase('ES256', 'our kid'),
    attackerCase('RS256', 'no kid'),
    [
      'ES256 signature of the real key in DER instead of R||S (RFC 7518 §3.4)',
      'token_invalid',
      (t, k) => {
        const input = `${segment(t.header)}.${segment(t.claims(k))}`;
        const signature = cryptoSign('sha256', Buffer.from(input), {
          key: t.signingKey,
          dsaEncoding: 'der',
        });
        return `${input}.${signature.toString('base64url')}`;
      },
    ],
  ],
};

/** Cases of this family for one configuration. */
function algorithmCases(alg: SecurityAlgorithm): Case[] {
  return [
    ...NONE_CASES,
    ...ALG_SHAPE_CASES,
    ...SIGNATURE_CASES,
    ...(alg === 'HS256' ? [] : CONFUSION_CASES),
    ...MISMATCH_CASES[alg],
  ];
}

/**
 * RFC 8725 §2.1 and §3.1: `alg: none`, stripped signatures and algorithm confusion, on every
 * route that reads a token, for HMAC, RSA and EC configurations, the token in the Authorization
 * header, and (RS256) in a cookie.
 */
describe.each(ADAPTERS)('attacks on the algorithm and signature (%s)', (adapter) => {
  describe.each(configurations(SECURITY_ALGORITHMS))('%s', (_label, alg, transport) => {
    let target: Target;
    let attacker: AttackerKeys;
    beforeAll(async () => {
      attacker = await attackerKeys();
      target = await startTarget(adapter, alg, transport);
    });
    afterAll(() => target.close());

    it('control: the base claims signed by the real key under our header are accepted', async () => {
      await expectAccepted(target, (kind) => target.sign(target.header, target.claims(kind)));
    });

    it.each(algorithmCases(alg))('%s → %s', async (_name, code, make) => {
      await expectRefused(target, (kind) => make(target, kind, attacker), code);
    });
  });
});
