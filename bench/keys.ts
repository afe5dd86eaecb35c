import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  randomBytes,
  randomUUID,
  sign,
  timingSafeEqual,
  verify,
  type KeyObject,
} from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { Alg } from './config.js';

/** The key material of one algorithm, as files (for the servers) and as KeyObjects. */
export interface KeySet {
  alg: Alg;
  /** `kid` the module derives: RFC 7638 thumbprint of the (public or oct) JWK. */
  kid: string;
  /** HMAC secret or private key. */
  signKey: KeyObject;
  /** HMAC secret or public key. */
  verifyKey: KeyObject;
  /** HS256: the secret string; otherwise the PEM strings. */
  secret?: string;
  privatePem?: string;
  publicPem?: string;
  /** Environment both the sample and the recipe read. */
  env: Record<string, string>;
}

/** Generates an HS256 secret of 64 bytes, an RSA 2048 and a P-256 key pair into `dir`. */
export async function generateKeys(dir: string): Promise<Record<Alg, KeySet>> {
  const secret = randomBytes(48).toString('base64url'); // 64 characters, 64 bytes of UTF-8
  writeFileSync(join(dir, 'hs256.secret'), secret, { mode: 0o600 });
  const secretKey = createSecretKey(Buffer.from(secret, 'utf8'));
  const hs: KeySet = {
    alg: 'HS256',
    kid: await calculateJwkThumbprint({ kty: 'oct', k: secretKey.export().toString('base64url') }),
    signKey: secretKey,
    verifyKey: secretKey,
    secret,
    env: { JWT_ALGORITHM: 'HS256', JWT_SECRET: secret },
  };
  const pair = async (alg: Alg, name: string, kind: 'rsa' | 'ec'): Promise<KeySet> => {
    const { privateKey, publicKey } =
      kind === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const privatePem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const publicPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const privateFile = join(dir, `${name}.key`);
    const publicFile = join(dir, `${name}.pub`);
    writeFileSync(privateFile, privatePem, { mode: 0o600 });
    writeFileSync(publicFile, publicPem);
    return {
      alg,
      kid: await calculateJwkThumbprint(publicKey.export({ format: 'jwk' }) as JWK),
      signKey: privateKey,
      verifyKey: publicKey,
      privatePem,
      publicPem,
      env: {
        JWT_ALGORITHM: alg,
        JWT_PRIVATE_KEY_FILE: privateFile,
        JWT_PUBLIC_KEY_FILE: publicFile,
      },
    };
  };
  return {
    HS256: hs,
    RS256: await pair('RS256', 'rs256', 'rsa'),
    ES256: await pair('ES256', 'es256', 'ec'),
  };
}

/** Reads back what `generateKeys` wrote (the micro-benchmark child process). */
export function readKeys(dir: string): Record<Alg, Omit<KeySet, 'kid'>> {
  const secret = readFileSync(join(dir, 'hs256.secret'), 'utf8');
  const secretKey = createSecretKey(Buffer.from(secret, 'utf8'));
  const pair = (alg: Alg, name: string): Omit<KeySet, 'kid'> => {
    const privatePem = readFileSync(join(dir, `${name}.key`), 'utf8');
    const publicPem = readFileSync(join(dir, `${name}.pub`), 'utf8');
    return {
      alg,
      signKey: createPrivateKey(privatePem),
      verifyKey: createPublicKey(publicPem),
      privatePem,
      publicPem,
      env: {},
    };
  };
  return {
    HS256: { alg: 'HS256', signKey: secretKey, verifyKey: secretKey, secret, env: {} },
    RS256: pair('RS256', 'rs256'),
    ES256: pair('ES256', 'es256'),
  };
}

/** Signs a compact JWS with node:crypto only (the floor every library builds on). */
export function signJwt(
  alg: Alg,
  key: KeyObject,
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${signature(alg, key, input)}`;
}

/** The signature segment of `input` (header.payload), base64url. */
export function signature(alg: Alg, key: KeyObject, input: string): string {
  if (alg === 'HS256') return createHmac('sha256', key).update(input).digest('base64url');
  const dsaEncoding = alg === 'ES256' ? 'ieee-p1363' : undefined;
  return sign('sha256', Buffer.from(input), { key, dsaEncoding }).toString('base64url');
}

/**
 * The check of a signature segment (decoded) against `input` with node:crypto only: what the
 * micro-benchmarks' floor and the floor app (bench/floor) both do.
 */
export function signatureCheck(
  alg: Alg,
  key: KeyObject,
): (input: string, signature: Buffer) => boolean {
  if (alg === 'HS256') {
    return (input, signature) => {
      const mac = createHmac('sha256', key).update(input).digest();
      return mac.length === signature.length && timingSafeEqual(mac, signature);
    };
  }
  const dsaEncoding = alg === 'ES256' ? 'ieee-p1363' : undefined;
  return (input, signature) =>
    verify('sha256', Buffer.from(input), { key, dsaEncoding }, signature);
}

export function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Claims the sample accepts on /profile: a valid access token of `users:user1`. */
export function accessClaims(now: number, lifetime: number): Record<string, unknown> {
  return {
    sub: 'users:user1',
    iat: now,
    exp: now + lifetime,
    jti: randomUUID(),
    obj: 'access',
    sid: randomUUID(),
  };
}

/**
 * Writes `count` distinct valid access tokens, one a line, to `file`; returns the first. Signs in
 * worker threads, one per core (RSA signing is slow), while nothing is being measured.
 */
export async function mintTokenFile(keys: KeySet, count: number, file: string): Promise<string> {
  const threads = Math.max(1, Math.min(cpus().length, 4));
  const now = Math.floor(Date.now() / 1000);
  const key = keys.secret ?? keys.privatePem!;
  const parts = Array.from(
    { length: threads },
    (_, i) => Math.floor(count / threads) + (i < count % threads ? 1 : 0),
  ).filter((n) => n > 0);
  const chunks = await Promise.all(
    parts.map(
      (n) =>
        new Promise<string>((resolve, reject) => {
          const worker = new Worker(new URL('./mint-worker.js', import.meta.url), {
            workerData: { alg: keys.alg, key, kid: keys.kid, count: n, now },
          });
          worker.once('message', (tokens: string) => resolve(tokens));
          worker.once('error', reject);
          worker.once(
            'exit',
            (code) => code !== 0 && reject(new Error(`mint worker exited ${code}`)),
          );
        }),
    ),
  );
  writeFileSync(file, `${chunks.join('\n')}\n`);
  return (chunks[0] ?? '').split('\n', 1)[0]!;
}

/** The decoded header of a compact JWS. */
export function jwtHeader(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8'));
}

/** The decoded claims of a compact JWS (not verified). */
export function jwtClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
}
