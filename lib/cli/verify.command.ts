import { JwtSecurityError } from '../errors/jwt-security.errors.js';
import type { JwtAlgorithm } from '../interfaces/jwt-security-options.interface.js';
import type { KeyRing } from '../internal/key-ring.js';
import { decodeSegment, TokenCodec } from '../internal/token-codec.js';
import {
  EXIT,
  json,
  onePositional,
  parseAlgorithm,
  parseCommand,
  parseInteger,
  readToken,
  UsageError,
} from './cli-support.js';
import { loadKeyRing } from './verify-keys.js';

export const VERIFY_HELP = `Usage: nest-jwt-security verify TOKEN (--key FILE | --jwks URL | --secret-file FILE)
                                [--alg ALG] [--aud AUD] [--iss ISS] [--leeway SECONDS]

Verifies a token with the module's own strict rules: only the one algorithm of the key, never
"none", exp required, nbf/exp checked with the leeway, aud/iss checked when given, unknown crit
refused, sub and obj ("access" or "refresh") required. Prints VALID and the claims (exit 0), or
INVALID: <error code> on stderr (exit 1). Use "-" as TOKEN to read it from standard input.

Options:
  --key FILE          public key (PEM: SPKI, PKCS#1, PKCS#8, SEC1, or a JWK); a private key
                      works too. It is tried whatever kid the token names.
  --jwks URL          http(s) URL of a JWKS, fetched once (5 s timeout); keys chosen by kid
  --secret-file FILE  shared secret for HS*: the file's text (a trailing newline is ignored)
  --alg ALG           algorithm to accept; default: ES256/ES384/ES512 by curve, EdDSA, RS256
                      for RSA (give --alg for RS384/512 and PS*); required for HS*
  --aud AUD           required audience
  --iss ISS           required issuer
  --leeway SECONDS    clock skew tolerated on exp and nbf, 0 to 300 (default 0)
  -h, --help          show this help

Exit codes: 0 valid, 1 invalid token, 2 usage error or key/JWKS not usable.`;

/** Largest token accepted, as the module's default `maxTokenSize`. */
const MAX_TOKEN_SIZE = 8192;

/** `verify`: checks a token's signature and claims; prints VALID and the claims, or INVALID: code. */
export async function runVerify(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand({
    args,
    options: {
      key: { type: 'string' },
      jwks: { type: 'string' },
      'secret-file': { type: 'string' },
      alg: { type: 'string' },
      aud: { type: 'string' },
      iss: { type: 'string' },
      leeway: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(VERIFY_HELP);
    return EXIT.ok;
  }
  const tokenArg = onePositional(positionals, 'TOKEN (or "-" to read it from stdin)');
  const source = { key: values.key, jwks: values.jwks, secretFile: values['secret-file'] };
  if (Object.values(source).filter((v) => v !== undefined).length !== 1) {
    throw new UsageError('give exactly one of --key FILE, --jwks URL or --secret-file FILE');
  }
  const alg = values.alg === undefined ? undefined : parseAlgorithm(values.alg);
  const leeway = values.leeway === undefined ? 0 : parseInteger(values.leeway, '--leeway', 0, 300);
  for (const option of ['aud', 'iss'] as const) {
    if (values[option] === '') throw new UsageError(`--${option} must not be empty`);
  }
  const token = await readToken(tokenArg);
  const header = decodeSegment(token.slice(0, Math.max(0, token.indexOf('.'))));
  const ring = await loadKeyRing(
    source,
    alg,
    typeof header?.kid === 'string' ? header.kid : undefined,
  );

  const codec = new TokenCodec(ring, {
    audience: values.aud,
    issuer: values.iss,
    leeway,
    maxTokenSize: MAX_TOKEN_SIZE,
    cacheSize: 0,
    requireSessionClaims: false,
  });
  try {
    const { claims } = codec.verify(token);
    console.log(`VALID\n${json(claims)}`);
    return EXIT.ok;
  } catch (error) {
    const code = error instanceof JwtSecurityError ? error.code : 'token_invalid';
    const hint = code === 'token_invalid' ? algorithmHint(header?.alg, ring) : '';
    console.error(`INVALID: ${code}${hint}`);
    return EXIT.invalid;
  }
}

/** Names the accepted algorithms when the token's is not one of them, the usual surprise. */
function algorithmHint(tokenAlg: unknown, ring: KeyRing): string {
  if (typeof tokenAlg !== 'string' || ring.algorithms.includes(tokenAlg as JwtAlgorithm)) return '';
  const shown = /^[A-Za-z0-9]{1,16}$/.test(tokenAlg) ? `"${tokenAlg}"` : 'its algorithm';
  return ` (the token uses ${shown}; this key verifies ${ring.algorithms.join(', ')} only)`;
}
