import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { JwtAlgorithm } from '../interfaces/jwt-security-options.interface.js';
import { ALGORITHMS, isHmac, keyMismatch } from '../internal/algorithms.js';
import { AnswerTooLargeError, readCapped } from '../internal/http.js';
import { importKeyRing, type KeyRing, type KeyRingInput } from '../internal/key-ring.js';
import { keyRingFromJwks } from '../internal/remote-key-ring.js';
import { CliError, readUserFile, UsageError } from './cli-support.js';

/** Where `verify` takes its key from: exactly one of the three. */
export interface KeySource {
  key?: string;
  jwks?: string;
  secretFile?: string;
}

/** Milliseconds `--jwks` waits for the key set. */
export const JWKS_TIMEOUT_MS = 5000;

const JWKS_MAX_BYTES = 1024 * 1024;

/**
 * Builds the key ring `verify` checks with, through the module's own import rules. A key file or
 * secret is the only candidate: it verifies the token whatever `kid` the token names (`tokenKid`
 * only labels it), while a JWKS is looked up by `kid` as the module does.
 */
export async function loadKeyRing(
  source: KeySource,
  alg: JwtAlgorithm | undefined,
  tokenKid: string | undefined,
): Promise<KeyRing> {
  if (source.jwks !== undefined) return fetchJwksRing(source.jwks, alg);
  const base = { mode: 'proxy' as const, verificationKeys: [], keyId: tokenKid };
  if (source.secretFile !== undefined) {
    if (alg === undefined || !isHmac(alg)) {
      throw new UsageError('--secret-file needs --alg HS256, HS384 or HS512');
    }
    const text = await readUserFile(source.secretFile, 'secret file');
    // The secret is the file's text, as JWT_SECRET would carry it; a trailing newline is not part of it.
    return importRing({ ...base, algorithm: alg, secret: text.replace(/[\r\n]+$/, '') });
  }
  if (alg !== undefined && isHmac(alg))
    throw new UsageError(`${alg} takes --secret-file, not --key`);
  const text = await readUserFile(source.key!, 'key file');
  const { key, jwkAlg } = readPublicKey(text);
  const chosen = alg ?? jwkAlg ?? naturalAlgorithm(key);
  return importRing({ ...base, algorithm: chosen, publicKey: key });
}

async function importRing(input: KeyRingInput): Promise<KeyRing> {
  const { ring, problems, warnings } = await importKeyRing(input);
  for (const warning of warnings) console.error(`warning: ${warning}`);
  if (!ring) throw new CliError(`key refused: ${problems.join('; ')}`);
  return ring;
}

/** A PEM (SPKI, PKCS#8, PKCS#1, SEC1 or certificate) or a JWK, as a public key. */
function readPublicKey(text: string): { key: KeyObject; jwkAlg?: JwtAlgorithm } {
  try {
    if (text.trimStart().startsWith('{')) {
      const jwk = JSON.parse(text) as JsonWebKey & { alg?: unknown };
      if (jwk.kty === 'oct')
        throw new UsageError('an "oct" JWK is a shared secret: use --secret-file');
      const jwkAlg = ALGORITHMS.find((a) => a === jwk.alg && !isHmac(a));
      return { key: createPublicKey({ key: jwk, format: 'jwk' }), ...(jwkAlg && { jwkAlg }) };
    }
    return { key: createPublicKey(text) };
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(
      'the key file is not a readable public or private key (PEM or JWK); for a shared secret use --secret-file',
    );
  }
}

/** ES* by curve, EdDSA for Ed25519/Ed448, RS256 for RSA (PS* and RS384/512 need --alg). */
function naturalAlgorithm(key: KeyObject): JwtAlgorithm {
  const type = key.asymmetricKeyType;
  // RSA whatever its size: the import then names a key that is too short.
  if (type === 'rsa') return 'RS256';
  // The module's own key rules say which curve goes with which ES*.
  const fits = (['ES256', 'ES384', 'ES512', 'EdDSA'] as const).find(
    (alg) => keyMismatch(alg, type, key.asymmetricKeyDetails) === undefined,
  );
  if (fits) return fits;
  throw new UsageError(`cannot tell the algorithm of this ${type ?? 'unknown'} key: give --alg`);
}

async function fetchJwksRing(url: string, alg: JwtAlgorithm | undefined): Promise<KeyRing> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--jwks must be an http(s) URL, got "${url}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`--jwks must be an http(s) URL, got a ${parsed.protocol} URL`);
  }
  if (alg !== undefined && isHmac(alg))
    throw new UsageError('a JWKS holds public keys: HS* needs --secret-file');
  const where = parsed.origin + parsed.pathname;
  let body: unknown;
  try {
    const response = await fetch(parsed, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(JWKS_TIMEOUT_MS),
    });
    if (!response.ok)
      throw new CliError(`JWKS request to ${where} answered HTTP ${response.status}`);
    body = JSON.parse(await readCapped(response, JWKS_MAX_BYTES, 'JWKS'));
  } catch (error) {
    if (error instanceof CliError) throw error;
    if (error instanceof AnswerTooLargeError) {
      throw new CliError(`JWKS at ${where} is larger than 1 MiB`);
    }
    throw new CliError(`cannot fetch the JWKS at ${where}: ${reason(error)}`);
  }
  const accepted = alg !== undefined ? [alg] : ALGORITHMS.filter((a) => !isHmac(a));
  const { ring } = keyRingFromJwks(body, accepted);
  if (ring.byKid.size === 0) {
    throw new CliError(
      `the JWKS at ${where} has no usable ${alg ?? 'signature'} key (each needs kid, alg and a key that fits alg)`,
    );
  }
  return ring;
}

function reason(error: unknown): string {
  const name = (error as { name?: string }).name;
  if (name === 'TimeoutError' || name === 'AbortError')
    return `no answer within ${JWKS_TIMEOUT_MS / 1000} s`;
  if (error instanceof SyntaxError) return 'the answer is not JSON';
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? 'unknown error';
}
