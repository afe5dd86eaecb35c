import { verify as cryptoVerify } from 'node:crypto';
import { jwtVerify } from 'jose';
import { codecFor } from '../../test/utils/codec.js';
import {
  claims,
  forge,
  keyPair,
  KEY_FOR,
  pem,
  SECRET,
  type KeyKind,
} from '../../test/utils/keys.js';
import { TokenExpiredError, TokenInvalidError } from '../errors/jwt-security.errors.js';
import type { JwtClaims } from '../interfaces/jwt-claims.interface.js';
import type { JwtAlgorithm } from '../interfaces/jwt-security-options.interface.js';
import { ALGORITHMS } from './algorithms.js';

/** Every algorithm with the key it signs with here (`undefined`: the HMAC secret). */
const CASES: Array<[JwtAlgorithm, KeyKind | undefined]> = [
  ...ALGORITHMS.map((alg): [JwtAlgorithm, KeyKind | undefined] => [
    alg,
    alg.startsWith('HS') ? undefined : KEY_FOR[alg as keyof typeof KEY_FOR],
  ]),
  ['EdDSA', 'ed448'],
];

describe('TokenCodec: round trip', () => {
  it.each(CASES)('%s (%s key) signs and verifies its own tokens', async (alg, kind) => {
    const { codec, ring } = await codecFor(alg, {}, {}, kind);
    const payload = claims({ scope: 'read write', nested: { a: [1, 2] } }) as unknown as JwtClaims;
    const token = codec.encode(payload);
    const verified = codec.verify(token);
    expect(verified.token).toBe(token);
    expect(verified.claims).toEqual(payload);
    expect(verified.header).toEqual({ alg, typ: 'JWT', kid: ring.signing!.kid });
    expect(Object.isFrozen(verified.claims)).toBe(true);
  });

  it.each(CASES)('%s (%s key) tokens pass an independent verifier', async (alg, kind) => {
    const { codec } = await codecFor(alg, {}, {}, kind);
    const payload = claims() as unknown as JwtClaims;
    const token = codec.encode(payload);
    const k = kind;
    if (k === 'ed448') {
      // jose 6 has no Ed448: check the signature with node:crypto directly.
      const [h, p, s] = token.split('.');
      const ok = cryptoVerify(
        null,
        Buffer.from(`${h}.${p}`),
        keyPair('ed448').publicKey,
        Buffer.from(s!, 'base64url'),
      );
      expect(ok).toBe(true);
      return;
    }
    const key = k === undefined ? new TextEncoder().encode(SECRET) : keyPair(k).publicKey;
    const { payload: checked, protectedHeader } = await jwtVerify(token, key, {
      algorithms: [alg],
    });
    expect(checked).toEqual(payload);
    expect(protectedHeader).toMatchObject({ alg, typ: 'JWT' });
  });

  it('verifies with the public key alone (proxy side)', async () => {
    const { codec: signer } = await codecFor('ES256');
    const { codec: verifier, ring } = await codecFor(
      'ES256',
      {},
      {
        mode: 'proxy',
        privateKey: undefined,
        publicKey: pem('p256', 'public', 'spki'),
      },
    );
    expect(ring.signing).toBeUndefined();
    const token = signer.encode(claims() as unknown as JwtClaims);
    expect(verifier.verify(token).claims.sub).toBe('users:user1');
    expect(() => verifier.encode(claims() as unknown as JwtClaims)).toThrow();
  });

  it('accepts a token without kid when the signing key verifies it', async () => {
    const { codec } = await codecFor('HS256');
    const token = forge({ alg: 'HS256', typ: 'JWT' }, claims(), SECRET);
    expect(codec.verify(token).claims.jti).toBe('jti-1');
  });

  it('accepts typ JWT in any case and application/jwt, or no typ', async () => {
    const { codec, ring } = await codecFor('HS256');
    const kid = ring.signing!.kid;
    for (const typ of ['JWT', 'jwt', 'application/jwt', undefined]) {
      const token = forge({ alg: 'HS256', kid, ...(typ && { typ }) }, claims(), SECRET);
      expect(codec.verify(token).header.kid).toBe(kid);
    }
  });

  it('ignores jku, x5u, jwk and x5c: the key always comes from the ring', async () => {
    const { codec, ring } = await codecFor('RS256');
    const attacker = keyPair('rsa1024');
    const jwk = attacker.publicKey.export({ format: 'jwk' });
    const header = {
      alg: 'RS256',
      typ: 'JWT',
      kid: ring.signing!.kid,
      jwk,
      jku: 'http://127.0.0.1:1/jwks',
      x5u: 'http://127.0.0.1:1/x5u',
    };
    expect(() => codec.verify(forge(header, claims(), attacker.privateKey))).toThrow(
      TokenInvalidError,
    );
    // The same extra headers on a token signed by the real key are harmless.
    expect(codec.verify(forge(header, claims(), keyPair('rsa').privateKey)).claims.sub).toBe(
      'users:user1',
    );
  });
});

describe('TokenCodec: verification keys (rotation)', () => {
  it("accepts tokens of an older key by kid, with that key's algorithm only", async () => {
    const old = keyPair('p256');
    const { codec } = await codecFor(
      'RS256',
      {},
      {
        verificationKeys: [{ kid: 'old', algorithm: 'ES256', key: old.publicKey }],
      },
    );
    const token = forge({ alg: 'ES256', typ: 'JWT', kid: 'old' }, claims(), old.privateKey);
    expect(codec.verify(token).header.kid).toBe('old');
    const wrongAlg = forge(
      { alg: 'ES384', typ: 'JWT', kid: 'old' },
      claims(),
      keyPair('p384').privateKey,
    );
    expect(() => codec.verify(wrongAlg)).toThrow(TokenInvalidError);
  });

  it('accepts an older HMAC secret by kid', async () => {
    const { codec } = await codecFor(
      'HS256',
      {},
      {
        verificationKeys: [{ kid: 'old', key: 'o'.repeat(32) }],
      },
    );
    const token = forge({ alg: 'HS256', typ: 'JWT', kid: 'old' }, claims(), 'o'.repeat(32));
    expect(codec.verify(token).header.kid).toBe('old');
    // Signed with the current secret but naming the old kid: refused.
    expect(() => codec.verify(forge({ alg: 'HS256', kid: 'old' }, claims(), SECRET))).toThrow(
      TokenInvalidError,
    );
  });
});

describe('TokenCodec: time', () => {
  const now = () => Math.floor(Date.now() / 1000);

  it('refuses an expired token with TokenExpiredError', async () => {
    const { codec } = await codecFor('HS256');
    const token = forge(
      { alg: 'HS256', typ: 'JWT' },
      claims({ iat: now() - 100, exp: now() - 10 }),
      SECRET,
    );
    const error = catchError(() => codec.verify(token));
    expect(error).toBeInstanceOf(TokenExpiredError);
    expect(error).toMatchObject({ code: 'token_expired', statusCode: 401 });
  });

  it('accepts an expired token within the leeway, refuses it beyond', async () => {
    const token = forge(
      { alg: 'HS256', typ: 'JWT' },
      claims({ iat: now() - 100, exp: now() - 10 }),
      SECRET,
    );
    expect((await codecFor('HS256', { leeway: 30 })).codec.verify(token).claims.sub).toBe(
      'users:user1',
    );
    const { codec } = await codecFor('HS256', { leeway: 5 });
    expect(() => codec.verify(token)).toThrow(TokenExpiredError);
  });

  it('refuses a token whose nbf is in the future, and accepts it within the leeway', async () => {
    const token = forge({ alg: 'HS256', typ: 'JWT' }, claims({ nbf: now() + 60 }), SECRET);
    const { codec } = await codecFor('HS256');
    expect(() => codec.verify(token)).toThrow(TokenInvalidError);
    expect((await codecFor('HS256', { leeway: 120 })).codec.verify(token).claims.nbf).toBeDefined();
  });

  it('refuses a token without exp', async () => {
    const { codec } = await codecFor('HS256');
    const { exp: _exp, ...rest } = claims();
    expect(() => codec.verify(forge({ alg: 'HS256', typ: 'JWT' }, rest, SECRET))).toThrow(
      TokenInvalidError,
    );
  });
});

describe('TokenCodec: audience and issuer', () => {
  const options = { audience: 'api', issuer: 'https://auth.example.com' };

  it('accepts the configured aud (string or array member) and iss', async () => {
    const { codec } = await codecFor('HS256', options);
    for (const aud of ['api', ['other', 'api']]) {
      const token = forge({ alg: 'HS256' }, claims({ aud, iss: options.issuer }), SECRET);
      expect(codec.verify(token).claims.aud).toEqual(aud);
    }
  });

  it.each([
    ['a wrong aud', { aud: 'other', iss: 'https://auth.example.com' }],
    ['a wrong iss', { aud: 'api', iss: 'https://evil.example.com' }],
    ['no aud', { iss: 'https://auth.example.com' }],
    ['no iss', { aud: 'api' }],
    ['an aud that only matches as a pattern', { aud: 'xapix', iss: 'https://auth.example.com' }],
  ])('refuses %s', async (_name, extra) => {
    const { codec } = await codecFor('HS256', options);
    const token = forge({ alg: 'HS256' }, claims(extra), SECRET);
    expect(() => codec.verify(token)).toThrow(TokenInvalidError);
  });
});

/** Runs `fn` and returns what it threw, or undefined. */
function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}
