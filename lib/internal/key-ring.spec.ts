import { createSecretKey, KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { keyPair, KEY_FOR, pem, SECRET, type KeyKind } from '../../test/utils/keys.js';
import type { JwtAlgorithm, KeyInput } from '../interfaces/jwt-security-options.interface.js';
import { importKeyRing, type KeyRingInput } from './key-ring.js';

function input(overrides: Partial<KeyRingInput> & Pick<KeyRingInput, 'algorithm'>): KeyRingInput {
  return { mode: 'local', verificationKeys: [], ...overrides };
}

async function ringOf(overrides: Partial<KeyRingInput> & Pick<KeyRingInput, 'algorithm'>) {
  const imported = await importKeyRing(input(overrides));
  expect(imported.problems).toEqual([]);
  expect(imported.ring).toBeDefined();
  return imported.ring!;
}

async function rfc7638(key: KeyObject): Promise<string> {
  const { kty, n, e, crv, x, y } = key.export({ format: 'jwk' });
  const jwk = Object.fromEntries(
    Object.entries({ kty, n, e, crv, x, y }).filter(([, v]) => v !== undefined),
  ) as JWK;
  return calculateJwkThumbprint(jwk, 'sha256');
}

type Format = { private: 'pkcs1' | 'pkcs8' | 'sec1'; public: 'pkcs1' | 'spki' };

const RSA_FORMATS: Format[] = [
  { private: 'pkcs1', public: 'pkcs1' },
  { private: 'pkcs8', public: 'spki' },
  { private: 'pkcs1', public: 'spki' },
];
const EC_FORMATS: Format[] = [
  { private: 'sec1', public: 'spki' },
  { private: 'pkcs8', public: 'spki' },
];
const OKP_FORMATS: Format[] = [{ private: 'pkcs8', public: 'spki' }];

const PEM_CASES: Array<[JwtAlgorithm, KeyKind, Format]> = [];
for (const alg of ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] as const) {
  for (const format of RSA_FORMATS) PEM_CASES.push([alg, 'rsa', format]);
}
for (const alg of ['ES256', 'ES384', 'ES512'] as const) {
  for (const format of EC_FORMATS) PEM_CASES.push([alg, KEY_FOR[alg], format]);
}
PEM_CASES.push(['EdDSA', 'ed25519', OKP_FORMATS[0]!], ['EdDSA', 'ed448', OKP_FORMATS[0]!]);

const BEGIN: Record<string, RegExp> = {
  pkcs1: /^-----BEGIN RSA (PRIVATE|PUBLIC) KEY-----/,
  pkcs8: /^-----BEGIN PRIVATE KEY-----/,
  spki: /^-----BEGIN PUBLIC KEY-----/,
  sec1: /^-----BEGIN EC PRIVATE KEY-----/,
};

describe('importKeyRing: asymmetric keys', () => {
  it.each(PEM_CASES)('%s imports a %s pair from PEM %o', async (algorithm, kind, format) => {
    const privateKey = pem(kind, 'private', format.private);
    const publicKey = pem(kind, 'public', format.public);
    expect(privateKey).toMatch(BEGIN[format.private]!);
    expect(publicKey).toMatch(BEGIN[format.public]!);
    const ring = await ringOf({ algorithm, privateKey, publicKey });
    expect(ring.signing).toMatchObject({ alg: algorithm });
    expect(ring.signing!.key.type).toBe('private');
    expect(ring.current!.key.type).toBe('public');
    expect(ring.current!.key.equals(keyPair(kind).publicKey)).toBe(true);
    expect(ring.algorithms).toEqual([algorithm]);
  });

  it.each(Object.entries(KEY_FOR) as Array<[JwtAlgorithm, KeyKind]>)(
    '%s imports from Buffer and from KeyObject inputs',
    async (algorithm, kind) => {
      const pair = keyPair(kind);
      const inputs: Array<[KeyInput, KeyInput]> = [
        [
          Buffer.from(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string),
          Buffer.from(pair.publicKey.export({ type: 'spki', format: 'pem' }) as string),
        ],
        [pair.privateKey, pair.publicKey],
      ];
      for (const [privateKey, publicKey] of inputs) {
        const ring = await ringOf({ algorithm, privateKey, publicKey });
        expect(ring.signing!.alg).toBe(algorithm);
        expect(ring.current!.key.equals(pair.publicKey)).toBe(true);
      }
    },
  );

  it('signs nothing in proxy mode, but verifies with the public key', async () => {
    const ring = await ringOf({
      mode: 'proxy',
      algorithm: 'ES256',
      publicKey: pem('p256', 'public', 'spki'),
    });
    expect(ring.signing).toBeUndefined();
    expect(ring.current!.alg).toBe('ES256');
  });

  it('defaults the kid to the RFC 7638 thumbprint of the public key', async () => {
    for (const [algorithm, kind] of [
      ['RS256', 'rsa'],
      ['ES384', 'p384'],
      ['EdDSA', 'ed25519'],
    ] as const) {
      const pair = keyPair(kind);
      const ring = await ringOf({
        algorithm,
        privateKey: pair.privateKey,
        publicKey: pair.publicKey,
      });
      const expected = await rfc7638(pair.publicKey);
      expect(ring.signing!.kid).toBe(expected);
      expect(ring.current!.kid).toBe(expected);
      expect(ring.byKid.get(expected)).toBe(ring.current);
    }
  });

  it('uses keyId instead of the thumbprint when given', async () => {
    const pair = keyPair('p256');
    const ring = await ringOf({ algorithm: 'ES256', ...pair, keyId: 'key-2026' });
    expect(ring.signing!.kid).toBe('key-2026');
    expect(ring.jwks()!.keys[0]!.kid).toBe('key-2026');
  });

  it('publishes a JWKS of public keys only, verification keys included', async () => {
    const rsa = keyPair('rsa');
    const ring = await ringOf({
      algorithm: 'RS256',
      ...rsa,
      verificationKeys: [
        { kid: 'old-ec', algorithm: 'ES256', key: pem('p256', 'public', 'spki') },
        { kid: 'old-hs', algorithm: 'HS256', key: SECRET },
      ],
    });
    const jwks = ring.jwks()!;
    expect(jwks.keys.map((k) => k.kid)).toEqual([await rfc7638(rsa.publicKey), 'old-ec']);
    for (const jwk of jwks.keys) {
      for (const secretField of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) {
        expect(jwk).not.toHaveProperty(secretField);
      }
      expect(jwk.use).toBe('sig');
    }
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256' });
    expect(jwks.keys[1]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
    expect(ring.algorithms).toEqual(['RS256', 'ES256', 'HS256']);
  });

  it('publishes OKP keys for EdDSA without the private part', async () => {
    for (const kind of ['ed25519', 'ed448'] as const) {
      const ring = await ringOf({ algorithm: 'EdDSA', ...keyPair(kind) });
      const [jwk] = ring.jwks()!.keys;
      expect(jwk).toMatchObject({ kty: 'OKP', crv: kind === 'ed25519' ? 'Ed25519' : 'Ed448' });
      expect(jwk).not.toHaveProperty('d');
    }
  });
});

describe('importKeyRing: HMAC secrets', () => {
  it.each(['HS256', 'HS384', 'HS512'] as const)(
    '%s imports a string, a Buffer and a secret KeyObject',
    async (algorithm) => {
      for (const secret of [SECRET, Buffer.from(SECRET), createSecretKey(Buffer.from(SECRET))]) {
        const ring = await ringOf({ algorithm, secret });
        expect(ring.signing!.alg).toBe(algorithm);
        expect(ring.signing!.key.type).toBe('secret');
        expect(ring.signing!.key.export().equals(Buffer.from(SECRET))).toBe(true);
      }
    },
  );

  it('defaults the kid to the thumbprint of the oct JWK', async () => {
    const ring = await ringOf({ algorithm: 'HS256', secret: SECRET });
    const expected = await calculateJwkThumbprint(
      { kty: 'oct', k: Buffer.from(SECRET).toString('base64url') },
      'sha256',
    );
    expect(ring.signing!.kid).toBe(expected);
  });

  it('yields no JWKS', async () => {
    const ring = await ringOf({
      algorithm: 'HS256',
      secret: SECRET,
      verificationKeys: [{ kid: 'old', key: 'o'.repeat(32) }],
    });
    expect(ring.jwks()).toBeUndefined();
    expect(ring.byKid.get('old')!.jwk).toBeUndefined();
  });

  it('warns about a secret shorter than the hash output, and still imports it', async () => {
    for (const [algorithm, secret] of [
      ['HS256', 'x'.repeat(31)],
      ['HS384', 'x'.repeat(47)],
      ['HS512', 'x'.repeat(63)],
    ] as const) {
      const imported = await importKeyRing(input({ algorithm, secret }));
      expect(imported.problems).toEqual([]);
      expect(imported.ring).toBeDefined();
      expect(imported.warnings).toHaveLength(1);
      expect(imported.warnings[0]).toMatch(/^secret:/);
    }
  });

  it('with strictSecrets, refuses a short secret or verification secret instead', async () => {
    const short = await importKeyRing(
      input({ algorithm: 'HS384', secret: 'x'.repeat(47), strictSecrets: true }),
    );
    expect(short.ring).toBeUndefined();
    expect(short.warnings).toEqual([]);
    expect(short.problems).toHaveLength(1);
    expect(short.problems[0]).toMatch(/^secret: 47 bytes is shorter than the 48-byte output/);
    const old = await importKeyRing(
      input({
        algorithm: 'HS256',
        secret: SECRET,
        verificationKeys: [{ kid: 'old', key: 'short' }],
        strictSecrets: true,
      }),
    );
    expect(old.ring).toBeUndefined();
    expect(old.problems).toHaveLength(1);
    expect(old.problems[0]).toMatch(/^verificationKeys\[0\]\.key:/);
    const long = await importKeyRing(
      input({ algorithm: 'HS384', secret: 'x'.repeat(48), strictSecrets: true }),
    );
    expect(long.problems).toEqual([]);
  });

  it('does not warn about a secret as long as the hash output', async () => {
    const imported = await importKeyRing(input({ algorithm: 'HS512', secret: 'x'.repeat(64) }));
    expect(imported.warnings).toEqual([]);
  });

  it('warns about a short verification secret, naming the entry', async () => {
    const imported = await importKeyRing(
      input({
        algorithm: 'HS256',
        secret: SECRET,
        verificationKeys: [{ kid: 'old', key: 'short' }],
      }),
    );
    expect(imported.warnings).toHaveLength(1);
    expect(imported.warnings[0]).toMatch(/^verificationKeys\[0\]\.key:/);
  });
});

describe('importKeyRing: refusals', () => {
  it('refuses an HMAC secret that is a PEM key', async () => {
    const imported = await importKeyRing(
      input({ algorithm: 'HS256', secret: pem('rsa', 'public', 'pkcs1') }),
    );
    expect(imported.ring).toBeUndefined();
    expect(imported.problems).toHaveLength(1);
    expect(imported.problems[0]).toMatch(/^secret:/);
  });

  it('refuses a mismatched pair on publicKey', async () => {
    const imported = await importKeyRing(
      input({
        algorithm: 'RS256',
        privateKey: pem('rsa', 'private', 'pkcs1'),
        publicKey: pem('rsa1024', 'public', 'spki'),
      }),
    );
    expect(imported.ring).toBeUndefined();
    expect(imported.problems.some((p) => p.startsWith('publicKey:'))).toBe(true);
  });

  it.each(['HS256', 'HS384', 'HS512'] as const)(
    '%s refuses privateKey and publicKey, which it would not use',
    async (algorithm) => {
      const imported = await importKeyRing(input({ algorithm, secret: SECRET, ...keyPair('rsa') }));
      expect(imported.ring).toBeUndefined();
      expect(imported.problems).toEqual([
        `privateKey: is not used by ${algorithm}: give secret`,
        `publicKey: is not used by ${algorithm}: give secret`,
      ]);
    },
  );

  it.each([
    ['RS256', 'rsa'],
    ['ES256', 'p256'],
    ['EdDSA', 'ed25519'],
  ] as const)('%s refuses a secret, which it would not use', async (algorithm, kind) => {
    for (const mode of ['local', 'proxy'] as const) {
      const { privateKey, publicKey } = keyPair(kind);
      const imported = await importKeyRing(
        input({
          mode,
          algorithm,
          secret: SECRET,
          publicKey,
          ...(mode === 'local' && { privateKey }),
        }),
      );
      expect(imported.ring).toBeUndefined();
      expect(imported.problems).toEqual([
        `secret: is not used by ${algorithm}: give privateKey/publicKey`,
      ]);
    }
  });

  it.each([
    ['PEM PKCS#8', (kind: KeyKind) => pem(kind, 'private', 'pkcs8')],
    [
      'PEM PKCS#1 / SEC1',
      (kind: KeyKind) => pem(kind, 'private', kind === 'rsa' ? 'pkcs1' : 'sec1'),
    ],
    ['Buffer', (kind: KeyKind) => Buffer.from(pem(kind, 'private', 'pkcs8'))],
    ['KeyObject', (kind: KeyKind) => keyPair(kind).privateKey],
  ])('refuses a private key (%s) given as publicKey or verification key', async (_name, make) => {
    for (const [algorithm, kind] of [
      ['RS256', 'rsa'],
      ['ES256', 'p256'],
    ] as const) {
      const asPublic = await importKeyRing(
        input({ algorithm, privateKey: keyPair(kind).privateKey, publicKey: make(kind) }),
      );
      expect(asPublic.ring).toBeUndefined();
      expect(asPublic.problems).toEqual([
        'publicKey: is a private key: give the public key (PEM in SPKI or PKCS#1)',
      ]);
      const asVerification = await importKeyRing(
        input({
          algorithm,
          ...keyPair(kind),
          verificationKeys: [{ kid: 'old', key: make(kind) }],
        }),
      );
      expect(asVerification.problems).toEqual([
        'verificationKeys[0].key: is a private key: give the public key (PEM in SPKI or PKCS#1)',
      ]);
    }
  });
});
