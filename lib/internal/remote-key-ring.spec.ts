import { randomBytes, type JsonWebKey, type KeyObject } from 'node:crypto';
import { claims, forge, keyPair, type KeyKind } from '../../test/utils/keys.js';
import type { JwtAlgorithm } from '../interfaces/jwt-security-options.interface.js';
import { keyRingFromJwks } from './remote-key-ring.js';
import { TokenCodec } from './token-codec.js';

/** The public JWK of a test key pair, with the given members added. */
function jwkOf(kind: KeyKind, extra: Record<string, unknown>): Record<string, unknown> {
  return { ...(keyPair(kind).publicKey.export({ format: 'jwk' }) as JsonWebKey), ...extra };
}

const ACCEPTED: JwtAlgorithm[] = ['RS256', 'ES256', 'EdDSA', 'HS256'];

function kids(jwks: unknown, accepted: JwtAlgorithm[] = ACCEPTED): string[] {
  return [...keyRingFromJwks(jwks, accepted).ring.byKid.keys()];
}

function codecOf(jwks: unknown, accepted: JwtAlgorithm[] = ACCEPTED): TokenCodec {
  const { ring } = keyRingFromJwks(jwks, accepted);
  return new TokenCodec(ring, {
    leeway: 0,
    maxTokenSize: 8192,
    cacheSize: 0,
    requireSessionClaims: false,
  });
}

/** Keys a hostile (or broken) authority could publish: none of them may verify anything. */
const HOSTILE: [string, Record<string, unknown>][] = [
  [
    'a shared secret (oct, HS256)',
    { kty: 'oct', k: randomBytes(32).toString('base64url'), alg: 'HS256', kid: 'k' },
  ],
  [
    'a shared secret claiming RS256',
    { kty: 'oct', k: randomBytes(32).toString('base64url'), alg: 'RS256', kid: 'k' },
  ],
  ['alg none', jwkOf('rsa', { alg: 'none', kid: 'k' })],
  ['an algorithm this proxy does not accept (PS256)', jwkOf('rsa', { alg: 'PS256', kid: 'k' })],
  ['an EC key labelled RS256', jwkOf('p256', { alg: 'RS256', kid: 'k' })],
  ['an RSA key labelled ES256', jwkOf('rsa', { alg: 'ES256', kid: 'k' })],
  ['a P-384 key labelled ES256', jwkOf('p384', { alg: 'ES256', kid: 'k' })],
  ['an Ed25519 key labelled ES256', jwkOf('ed25519', { alg: 'ES256', kid: 'k' })],
  ['an RSA key of 1024 bits', jwkOf('rsa1024', { alg: 'RS256', kid: 'k' })],
  ["a key for encryption (use 'enc')", jwkOf('rsa', { alg: 'RS256', kid: 'k', use: 'enc' })],
  ['key_ops without verify', jwkOf('rsa', { alg: 'RS256', kid: 'k', key_ops: ['encrypt'] })],
  ['key_ops that is not an array', jwkOf('rsa', { alg: 'RS256', kid: 'k', key_ops: 'verify' })],
  ['no kid', jwkOf('rsa', { alg: 'RS256' })],
  ['a kid that is not a string', jwkOf('rsa', { alg: 'RS256', kid: 7 })],
  ['no alg', jwkOf('rsa', { kid: 'k' })],
  ['broken key material', { kty: 'RSA', n: 'AQAB', alg: 'RS256', kid: 'k' }],
  ['an unknown key type', { kty: 'XYZ', alg: 'RS256', kid: 'k' }],
];

describe('keyRingFromJwks: nothing a JWKS says is taken unverified', () => {
  it('keeps well-formed signature keys by kid', () => {
    const jwks = {
      keys: [
        jwkOf('rsa', { alg: 'RS256', kid: 'rsa', use: 'sig' }),
        jwkOf('p256', { alg: 'ES256', kid: 'ec', key_ops: ['verify'] }),
        jwkOf('ed25519', { alg: 'EdDSA', kid: 'ed' }),
      ],
    };
    const { ring, skipped } = keyRingFromJwks(jwks, ACCEPTED);
    expect([...ring.byKid.keys()]).toEqual(['rsa', 'ec', 'ed']);
    expect(skipped).toEqual([]);
    // Several keys: a token without kid has no key to fall back on.
    expect(ring.current).toBeUndefined();
  });

  it.each(HOSTILE)('skips %s', (_name, jwk) => {
    const { ring, skipped } = keyRingFromJwks(
      { keys: [jwk] },
      [...ACCEPTED, 'none' as JwtAlgorithm], // even if 'none' were accepted
    );
    expect(ring.byKid.size).toBe(0);
    expect(ring.current).toBeUndefined();
    expect(skipped).toHaveLength(1);
  });

  it.each(HOSTILE)('a good key beside %s is kept alone', (_name, jwk) => {
    const good = jwkOf('p256', { alg: 'ES256', kid: 'good' });
    expect(kids({ keys: [jwk, good] })).toEqual(['good']);
  });

  it.each([
    ['null', null],
    ['a string', 'garbage'],
    ['a number', 42],
    ['an array', [jwkOf('rsa', { alg: 'RS256', kid: 'k' })]],
    ['keys that is not an array', { keys: 'x' }],
    ['keys holding non-objects', { keys: [null, 1, 'x', []] }],
    ['no keys', {}],
  ])('a JWKS that is %s gives an empty ring, without throwing', (_name, jwks) => {
    expect(kids(jwks)).toEqual([]);
  });

  it('a pinned key wins over a JWKS key of the same kid', () => {
    const pinned = keyRingFromJwks(
      { keys: [jwkOf('rsa', { alg: 'RS256', kid: 'same' })] },
      ACCEPTED,
    ).ring.byKid.get('same')!;
    const { ring } = keyRingFromJwks(
      { keys: [jwkOf('p256', { alg: 'ES256', kid: 'same' })] },
      ACCEPTED,
      [pinned],
    );
    expect(ring.byKid.get('same')).toBe(pinned);
  });

  it('a lone key also verifies tokens without kid', () => {
    const { ring } = keyRingFromJwks(
      { keys: [jwkOf('p256', { alg: 'ES256', kid: 'only' })] },
      ACCEPTED,
    );
    expect(ring.current?.kid).toBe('only');
  });

  describe('tokens made to exploit a hostile JWKS are refused', () => {
    const rsa = keyPair('rsa');
    const publicPem = rsa.publicKey.export({ format: 'pem', type: 'spki' }) as string;

    it('HS256 keyed with the published RSA public key (algorithm confusion)', () => {
      const codec = codecOf({ keys: [jwkOf('rsa', { alg: 'RS256', kid: 'rsa' })] });
      const token = forge({ alg: 'HS256', typ: 'JWT', kid: 'rsa' }, claims(), publicPem);
      expect(() => codec.verify(token)).toThrow(expect.objectContaining({ code: 'token_invalid' }));
    });

    it('HS256 keyed with a secret the JWKS published as oct', () => {
      const k = randomBytes(32);
      const codec = codecOf({
        keys: [{ kty: 'oct', k: k.toString('base64url'), alg: 'HS256', kid: 'oct' }],
      });
      const token = forge({ alg: 'HS256', typ: 'JWT', kid: 'oct' }, claims(), k);
      expect(() => codec.verify(token)).toThrow(expect.objectContaining({ code: 'token_invalid' }));
    });

    it('alg none naming a published kid', () => {
      const codec = codecOf({ keys: [jwkOf('rsa', { alg: 'RS256', kid: 'rsa' })] });
      const encode = (value: object): string =>
        Buffer.from(JSON.stringify(value)).toString('base64url');
      const token = `${encode({ alg: 'none', kid: 'rsa' })}.${encode(claims())}.`;
      expect(() => codec.verify(token)).toThrow(expect.objectContaining({ code: 'token_invalid' }));
    });

    it('RS256 signed with a 1024-bit key the JWKS published', () => {
      const weak: KeyObject = keyPair('rsa1024').privateKey;
      const codec = codecOf({ keys: [jwkOf('rsa1024', { alg: 'RS256', kid: 'weak' })] });
      const token = forge({ alg: 'RS256', typ: 'JWT', kid: 'weak' }, claims(), weak);
      expect(() => codec.verify(token)).toThrow(expect.objectContaining({ code: 'token_invalid' }));
    });

    it('a genuine RS256 token of the published key passes (the control case)', () => {
      const codec = codecOf({ keys: [jwkOf('rsa', { alg: 'RS256', kid: 'rsa' })] });
      const token = forge({ alg: 'RS256', typ: 'JWT', kid: 'rsa' }, claims(), rsa.privateKey);
      expect(codec.verify(token).claims.sub).toBe('users:user1');
    });
  });
});
