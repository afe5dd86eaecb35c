import {
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  KeyObject,
  type JsonWebKey,
} from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { JwtAlgorithm, KeyInput } from '../interfaces/jwt-security-options.interface.js';
import { hashBytes, isHmac, keyMismatch } from './algorithms.js';

/** A key tokens can be verified with. */
export interface RingKey {
  kid: string;
  alg: JwtAlgorithm;
  /** Public key or secret, imported once. */
  key: KeyObject;
  /** Public JWK (asymmetric keys only). */
  jwk?: JWK;
}

/** The key tokens are signed with. */
export interface SigningKey {
  kid: string;
  alg: JwtAlgorithm;
  /** Private key or secret, imported once. */
  key: KeyObject;
}

/** Imported keys, by `kid`. Immutable once built. */
export class KeyRing {
  readonly byKid: ReadonlyMap<string, RingKey>;
  readonly algorithms: readonly JwtAlgorithm[];

  constructor(
    readonly signing: SigningKey | undefined,
    /** The signing key's verification side, tried for tokens without a `kid`. */
    readonly current: RingKey | undefined,
    keys: readonly RingKey[],
  ) {
    this.byKid = new Map(keys.map((k) => [k.kid, k]));
    this.algorithms = [...new Set(keys.map((k) => k.alg))];
  }

  /** JWKS of the public keys, or undefined when every key is a shared secret. */
  jwks(): { keys: JWK[] } | undefined {
    const keys = [...this.byKid.values()].flatMap((k) => (k.jwk ? [k.jwk] : []));
    return keys.length > 0 ? { keys } : undefined;
  }
}

export interface KeyRingInput {
  mode: 'local' | 'proxy' | 'disabled';
  algorithm: JwtAlgorithm;
  secret?: string | Buffer | KeyObject;
  privateKey?: KeyInput;
  publicKey?: KeyInput;
  keyId?: string;
  verificationKeys: ReadonlyArray<{ kid: string; algorithm?: JwtAlgorithm; key: KeyInput }>;
  /** Refuse, rather than warn about, HMAC secrets shorter than the hash output. */
  strictSecrets?: boolean;
}

/** Result of importing: the ring, or the problems as `option: problem` lines. */
export interface KeyRingImport {
  ring?: KeyRing;
  problems: string[];
  warnings: string[];
}

/**
 * Imports every configured key once, checking that each fits its algorithm. Nothing here ever
 * takes a key from a token.
 */
export async function importKeyRing(input: KeyRingInput): Promise<KeyRingImport> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const keys: RingKey[] = [];
  let signing: SigningKey | undefined;
  let current: RingKey | undefined;
  const alg = input.algorithm;

  // A key of the other family is a configuration mistake (a leftover, or the wrong variable):
  // refuse it rather than let it look like it is used.
  if (isHmac(alg)) {
    for (const name of ['privateKey', 'publicKey'] as const) {
      if (input[name] !== undefined) problems.push(`${name}: is not used by ${alg}: give secret`);
    }
  } else if (input.secret !== undefined) {
    problems.push(`secret: is not used by ${alg}: give privateKey/publicKey`);
  }

  if (isHmac(alg)) {
    if (input.secret !== undefined) {
      const secret = importSecret(
        input.secret,
        alg,
        'secret',
        problems,
        input.strictSecrets ? problems : warnings,
      );
      if (secret) {
        const kid = input.keyId ?? (await thumbprint({ kty: 'oct', k: exportOct(secret) }));
        signing = input.mode === 'local' ? { kid, alg, key: secret } : undefined;
        current = { kid, alg, key: secret };
      }
    }
  } else {
    const privateKey =
      input.privateKey === undefined
        ? undefined
        : importAsymmetric(input.privateKey, alg, 'privateKey', 'private', problems);
    const publicKey =
      input.publicKey === undefined
        ? undefined
        : importAsymmetric(input.publicKey, alg, 'publicKey', 'public', problems);
    if (privateKey && publicKey && !samePublicKey(privateKey, publicKey)) {
      problems.push('publicKey: does not match privateKey');
    } else if (publicKey) {
      const jwk = publicJwk(publicKey);
      const kid = input.keyId ?? (await thumbprint(jwk));
      current = { kid, alg, key: publicKey, jwk: { ...jwk, kid, alg, use: 'sig' } };
      if (privateKey && input.mode === 'local') signing = { kid, alg, key: privateKey };
    }
  }
  if (current) keys.push(current);

  input.verificationKeys.forEach((entry, index) => {
    const name = `verificationKeys[${index}]`;
    const keyAlg = entry.algorithm ?? alg;
    if (keys.some((k) => k.kid === entry.kid)) {
      problems.push(`${name}.kid: "${entry.kid}" is already used by another key`);
      return;
    }
    if (isHmac(keyAlg)) {
      const secret = importSecret(
        entry.key,
        keyAlg,
        `${name}.key`,
        problems,
        input.strictSecrets ? problems : warnings,
      );
      if (secret) keys.push({ kid: entry.kid, alg: keyAlg, key: secret });
      return;
    }
    const publicKey = importAsymmetric(entry.key, keyAlg, `${name}.key`, 'public', problems);
    if (publicKey) {
      const jwk = publicJwk(publicKey);
      keys.push({
        kid: entry.kid,
        alg: keyAlg,
        key: publicKey,
        jwk: { ...jwk, kid: entry.kid, alg: keyAlg, use: 'sig' },
      });
    }
  });

  if (problems.length > 0) return { problems, warnings };
  return { ring: new KeyRing(signing, current, keys), problems, warnings };
}

function importSecret(
  value: string | Buffer | KeyObject,
  alg: JwtAlgorithm,
  name: string,
  problems: string[],
  warnings: string[],
): KeyObject | undefined {
  let secret: KeyObject;
  if (value instanceof KeyObject) {
    if (value.type !== 'secret') {
      problems.push(`${name}: ${alg} needs a shared secret, not a ${value.type} key`);
      return undefined;
    }
    secret = value;
  } else {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    if (bytes.length === 0) {
      problems.push(`${name}: must not be empty`);
      return undefined;
    }
    if (bytes.includes('-----BEGIN')) {
      problems.push(`${name}: ${alg} needs a shared secret, not a PEM key`);
      return undefined;
    }
    secret = createSecretKey(bytes);
  }
  const minimum = hashBytes(alg);
  if (secret.symmetricKeySize! < minimum) {
    warnings.push(
      `${name}: ${secret.symmetricKeySize} bytes is shorter than the ${minimum}-byte output of ${alg}; use a longer random secret`,
    );
  }
  return secret;
}

function importAsymmetric(
  value: KeyInput,
  alg: JwtAlgorithm,
  name: string,
  want: 'private' | 'public',
  problems: string[],
): KeyObject | undefined {
  // createPublicKey() derives the public half of a private key: a private key where a public
  // one belongs (a key meant to be handed out) is refused instead.
  if (want === 'public' && isPrivateKey(value)) {
    problems.push(`${name}: is a private key: give the public key (PEM in SPKI or PKCS#1)`);
    return undefined;
  }
  let key: KeyObject;
  try {
    if (value instanceof KeyObject) {
      key = value;
    } else {
      key = want === 'private' ? createPrivateKey(value) : createPublicKey(value);
    }
  } catch {
    problems.push(`${name}: not a readable ${want} key (PEM in PKCS#1, PKCS#8, SPKI or SEC1)`);
    return undefined;
  }
  if (key.type !== want) {
    problems.push(`${name}: expected a ${want} key, got a ${key.type} key`);
    return undefined;
  }
  const mismatch = keyMismatch(alg, key.asymmetricKeyType, key.asymmetricKeyDetails);
  if (mismatch) {
    problems.push(`${name}: ${mismatch}`);
    return undefined;
  }
  return key;
}

function isPrivateKey(value: KeyInput): boolean {
  if (value instanceof KeyObject) return value.type === 'private';
  try {
    createPrivateKey(value);
    return true;
  } catch {
    return false;
  }
}

function samePublicKey(privateKey: KeyObject, publicKey: KeyObject): boolean {
  const derived = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return derived.equals(publicKey.export({ format: 'der', type: 'spki' }));
}

function publicJwk(key: KeyObject): JWK {
  const { kty, n, e, crv, x, y } = key.export({ format: 'jwk' }) as JsonWebKey;
  const jwk: JWK = { kty };
  for (const [field, value] of Object.entries({ crv, e, n, x, y })) {
    if (value !== undefined) (jwk as Record<string, string>)[field] = value;
  }
  return jwk;
}

function exportOct(secret: KeyObject): string {
  return secret.export().toString('base64url');
}

async function thumbprint(jwk: JWK): Promise<string> {
  return calculateJwkThumbprint(jwk, 'sha256');
}
