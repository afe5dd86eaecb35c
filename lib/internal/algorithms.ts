import type { JwtAlgorithm } from '../interfaces/jwt-security-options.interface.js';

export const ALGORITHMS: readonly JwtAlgorithm[] = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

export function isHmac(alg: string | undefined): boolean {
  return typeof alg === 'string' && alg.startsWith('HS');
}

/** Bytes of the hash output an HMAC secret should at least have (RFC 7518 §3.2). */
export function hashBytes(alg: JwtAlgorithm): number {
  return Number(alg.slice(2)) / 8;
}

/** The curve of each ES* algorithm, as node:crypto names it (`asymmetricKeyDetails.namedCurve`). */
export const EC_CURVES: Record<string, string> = {
  ES256: 'prime256v1',
  ES384: 'secp384r1',
  ES512: 'secp521r1',
};

/** Describes why an asymmetric key type does not fit `alg`, or returns undefined when it fits. */
export function keyMismatch(
  alg: JwtAlgorithm,
  type: string | undefined,
  details: { namedCurve?: string; modulusLength?: number } | undefined,
): string | undefined {
  const family = alg.slice(0, 2);
  if (family === 'RS' || family === 'PS') {
    if (type !== 'rsa') return `${alg} needs an RSA key, got ${type ?? 'a secret'}`;
    if ((details?.modulusLength ?? 0) < 2048)
      return `${alg} needs an RSA key of at least 2048 bits`;
    return undefined;
  }
  if (family === 'ES') {
    if (type !== 'ec') return `${alg} needs an EC key, got ${type ?? 'a secret'}`;
    const curve = EC_CURVES[alg];
    if (details?.namedCurve !== curve) {
      return `${alg} needs an EC key on curve ${curve}, got ${details?.namedCurve ?? 'another curve'}`;
    }
    return undefined;
  }
  if (alg === 'EdDSA') {
    if (type !== 'ed25519' && type !== 'ed448') {
      return `EdDSA needs an Ed25519 or Ed448 key, got ${type ?? 'a secret'}`;
    }
    return undefined;
  }
  return type === undefined ? undefined : `${alg} needs a shared secret, not a ${type} key`;
}
