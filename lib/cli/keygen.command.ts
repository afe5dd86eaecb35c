import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { JwtAlgorithm } from '../interfaces/jwt-security-options.interface.js';
import { ALGORITHMS, EC_CURVES, isHmac } from '../internal/algorithms.js';
import { importKeyRing } from '../internal/key-ring.js';
import { refuseExisting, writeKeyFile } from './key-files.js';
import {
  CliError,
  EXIT,
  json,
  parseAlgorithm,
  parseCommand,
  parseInteger,
  UsageError,
} from './cli-support.js';

export const KEYGEN_HELP = `Usage: nest-jwt-security keygen --alg ALG [--out DIR] [--kid KID] [--bits N] [--force]

Generates a signing key for JwtSecurityModule.

Asymmetric algorithms write private.pem (PKCS#8, mode 600) and public.pem (SPKI) into DIR and
print the public JWK (kid, alg, use "sig") on stdout. HS256/384/512 write secret.txt (64 random
bytes, base64url, mode 600) and print only where it was written.

Options:
  --alg ALG     ${ALGORITHMS.join(', ')}
  --out DIR     directory to write into (created if missing; default: current directory)
  --kid KID     key id of the JWK (default: its RFC 7638 thumbprint)
  --bits N      RSA modulus length, 2048 to 16384 (default 2048; RS* and PS* only)
  --force       overwrite existing files
  -h, --help    show this help`;

/** `keygen`: writes a key pair (or an HMAC secret) and prints the public JWK. */
export async function runKeygen(args: string[]): Promise<number> {
  const { values } = parseCommand({
    args,
    allowPositionals: false,
    options: {
      alg: { type: 'string' },
      out: { type: 'string', default: '.' },
      kid: { type: 'string' },
      bits: { type: 'string' },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(KEYGEN_HELP);
    return EXIT.ok;
  }
  if (values.alg === undefined) {
    throw new UsageError(`--alg is required: one of ${ALGORITHMS.join(', ')}`);
  }
  const alg = parseAlgorithm(values.alg);
  const rsa = alg.startsWith('RS') || alg.startsWith('PS');
  if (values.bits !== undefined && !rsa) throw new UsageError('--bits applies to RS* and PS* only');
  if (values.kid !== undefined && (values.kid === '' || isHmac(alg))) {
    throw new UsageError(
      values.kid === '' ? '--kid must not be empty' : '--kid applies to asymmetric keys only',
    );
  }
  const bits = values.bits === undefined ? 2048 : parseInteger(values.bits, '--bits', 2048, 16384);
  const dir = resolve(values.out);

  if (isHmac(alg)) {
    const path = resolve(dir, 'secret.txt');
    await refuseExisting([path], values.force);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeKeyFile(path, randomBytes(64).toString('base64url'), 0o600, values.force);
    console.log(`Wrote a 64-byte ${alg} secret (base64url text) to ${path} (mode 600)`);
    return EXIT.ok;
  }

  const privatePath = resolve(dir, 'private.pem');
  const publicPath = resolve(dir, 'public.pem');
  await refuseExisting([privatePath, publicPath], values.force);
  const { privateKey, publicKey } = generate(alg, bits);
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }) as string;

  // The module's own import: the JWK printed is the one its /jwks route would serve.
  const { ring, problems } = await importKeyRing({
    mode: 'local',
    algorithm: alg,
    privateKey: privatePem,
    publicKey: publicPem,
    ...(values.kid !== undefined && { keyId: values.kid }),
    verificationKeys: [],
  });
  if (!ring?.current?.jwk) throw new CliError(`generated key refused: ${problems.join('; ')}`);

  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeKeyFile(privatePath, privatePem, 0o600, values.force);
  await writeKeyFile(publicPath, publicPem, 0o644, values.force);
  console.error(
    `Wrote ${alg} private key to ${privatePath} (mode 600) and public key to ${publicPath}`,
  );
  console.log(json(ring.current.jwk));
  return EXIT.ok;
}

function generate(
  alg: JwtAlgorithm,
  bits: number,
): { privateKey: KeyObject; publicKey: KeyObject } {
  if (alg === 'EdDSA') return generateKeyPairSync('ed25519');
  const namedCurve = EC_CURVES[alg];
  if (namedCurve !== undefined) return generateKeyPairSync('ec', { namedCurve });
  return generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: 0x10001 });
}
