import { createPublicKey, type JsonWebKey } from 'node:crypto';
import type { JWK } from 'jose';
import type { JwtAlgorithm } from '../interfaces/jwt-security-options.interface.js';
import { isHmac, keyMismatch } from './algorithms.js';
import { KeyRing, type RingKey } from './key-ring.js';

/**
 * Builds a key ring from an authority's JWKS, keeping only public signature keys (`use` `sig` or
 * absent, `key_ops` with `verify` or absent) with a `kid` and an asymmetric `alg` this instance
 * accepts, whose type, curve or size fits that algorithm (RSA at least 2048 bits). Anything else
 * is skipped: a secret (`oct`), `none`, a key for encryption. Never called with keys taken from a
 * token.
 */
export function keyRingFromJwks(
  jwks: unknown,
  accepted: readonly JwtAlgorithm[],
  extra: readonly RingKey[] = [],
): { ring: KeyRing; skipped: string[] } {
  const keys: RingKey[] = [...extra];
  const skipped: string[] = [];
  const list = (jwks as { keys?: unknown })?.keys;
  for (const entry of Array.isArray(list) ? list : []) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      skipped.push('(not a key)');
      continue;
    }
    const jwk = entry as JWK;
    const kid = typeof jwk.kid === 'string' ? jwk.kid : undefined;
    const alg = jwk.alg as JwtAlgorithm | undefined;
    if (
      !kid ||
      !alg ||
      !accepted.includes(alg) ||
      isHmac(alg) ||
      (jwk.use !== undefined && jwk.use !== 'sig') ||
      (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify')))
    ) {
      skipped.push(kid ?? '(no kid)');
      continue;
    }
    try {
      const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
      if (
        key.type !== 'public' ||
        keyMismatch(alg, key.asymmetricKeyType, key.asymmetricKeyDetails)
      ) {
        skipped.push(kid);
        continue;
      }
      if (!keys.some((k) => k.kid === kid)) keys.push({ kid, alg, key, jwk });
    } catch {
      skipped.push(kid);
    }
  }
  // A lone key also verifies tokens that carry no kid (authorities that do not set one).
  return { ring: new KeyRing(undefined, keys.length === 1 ? keys[0] : undefined, keys), skipped };
}
