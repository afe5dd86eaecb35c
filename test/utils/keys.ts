import {
  constants,
  createHmac,
  generateKeyPairSync,
  sign as cryptoSign,
  type KeyObject,
} from 'node:crypto';
import type { JwtAlgorithm } from '../../lib/interfaces/jwt-security-options.interface.js';

/** Kinds of asymmetric key pairs the unit tests need. */
export type KeyKind = 'rsa' | 'rsa1024' | 'p256' | 'p384' | 'p521' | 'ed25519' | 'ed448';

export interface TestKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

const pairs = new Map<KeyKind, TestKeyPair>();

/** A key pair of `kind`, generated once per test file. */
export function keyPair(kind: KeyKind): TestKeyPair {
  let pair = pairs.get(kind);
  if (!pair) {
    switch (kind) {
      case 'rsa':
      case 'rsa1024':
        pair = generateKeyPairSync('rsa', { modulusLength: kind === 'rsa' ? 2048 : 1024 });
        break;
      case 'p256':
      case 'p384':
      case 'p521':
        pair = generateKeyPairSync('ec', { namedCurve: CURVES[kind] });
        break;
      case 'ed25519':
        pair = generateKeyPairSync('ed25519');
        break;
      case 'ed448':
        pair = generateKeyPairSync('ed448');
        break;
    }
    pairs.set(kind, pair);
  }
  return pair;
}

const CURVES = { p256: 'prime256v1', p384: 'secp384r1', p521: 'secp521r1' } as const;

/** PEM of the private or public half of a key pair, in the given encoding. */
export function pem(
  kind: KeyKind,
  half: 'private' | 'public',
  type: 'pkcs1' | 'pkcs8' | 'spki' | 'sec1',
): string {
  const pair = keyPair(kind);
  return (half === 'private' ? pair.privateKey : pair.publicKey).export({
    type,
    format: 'pem',
  }) as string;
}

/** The key kind each asymmetric algorithm signs with in these tests. */
export const KEY_FOR: Record<Exclude<JwtAlgorithm, 'HS256' | 'HS384' | 'HS512'>, KeyKind> = {
  RS256: 'rsa',
  RS384: 'rsa',
  RS512: 'rsa',
  PS256: 'rsa',
  PS384: 'rsa',
  PS512: 'rsa',
  ES256: 'p256',
  ES384: 'p384',
  ES512: 'p521',
  EdDSA: 'ed25519',
};

/** A random-looking HMAC secret long enough for every HS* algorithm. */
export const SECRET = 'k'.repeat(24) + '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN';

/** Every algorithm with the options that make it usable in local mode. */
export function signingOptions(
  alg: JwtAlgorithm,
  kind?: KeyKind,
): { algorithm: JwtAlgorithm; secret?: string; privateKey?: string; publicKey?: string } {
  if (alg.startsWith('HS')) return { algorithm: alg, secret: SECRET };
  const pair = keyPair(kind ?? KEY_FOR[alg as keyof typeof KEY_FOR]);
  return {
    algorithm: alg,
    privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

/** base64url of a UTF-8 string, as is (not JSON-encoded). */
export function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** base64url of a JSON value, or of a raw string when `raw` is set. */
export function segment(value: unknown, raw = false): string {
  return b64(raw ? String(value) : JSON.stringify(value));
}

/** Signs `<header>.<payload>` (already encoded segments) with `alg`, as an attacker could. */
export function signSegments(
  header: string,
  payload: string,
  alg: string,
  key: KeyObject | string | Buffer,
): string {
  const data = Buffer.from(`${header}.${payload}`);
  const bits = alg === 'EdDSA' ? '' : alg.slice(2);
  let signature: Buffer;
  if (alg.startsWith('HS')) {
    signature = createHmac(`sha${bits}`, key as KeyObject)
      .update(data)
      .digest();
  } else if (alg.startsWith('RS')) {
    signature = cryptoSign(`sha${bits}`, data, key as KeyObject);
  } else if (alg.startsWith('PS')) {
    signature = cryptoSign(`sha${bits}`, data, {
      key: key as KeyObject,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    });
  } else if (alg.startsWith('ES')) {
    signature = cryptoSign(`sha${bits}`, data, {
      key: key as KeyObject,
      dsaEncoding: 'ieee-p1363',
    });
  } else {
    signature = cryptoSign(null, data, key as KeyObject);
  }
  return `${header}.${payload}.${signature.toString('base64url')}`;
}

/** A compact JWS of `header` and `payload`, signed with `key` per `alg` (default: header.alg). */
export function forge(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  key: KeyObject | string | Buffer,
  alg = String(header.alg),
): string {
  return signSegments(segment(header), segment(payload), alg, key);
}

/** Claims a token of the module carries, valid for `ttl` seconds from now. */
export function claims(
  overrides: Record<string, unknown> = {},
  ttl = 300,
): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: 'users:user1',
    iat: now,
    exp: now + ttl,
    jti: 'jti-1',
    sid: 'sid-1',
    obj: 'access',
    ...overrides,
  };
}
