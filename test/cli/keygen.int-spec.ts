import { createPrivateKey, createPublicKey, type JsonWebKey } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { JwtAlgorithm } from '../../lib/interfaces/jwt-security-options.interface.js';
import { importKeyRing } from '../../lib/internal/key-ring.js';
import { buildOnce, expectUsageError, runCli, tempDir } from './cli-harness.js';

/** Runs the built CLI: `keygen` writes keys the module itself accepts. */
describe('nest-jwt-security keygen', () => {
  let tmp: ReturnType<typeof tempDir>;

  beforeAll(async () => {
    await buildOnce();
    tmp = tempDir();
  }, 150_000);

  afterAll(() => tmp?.remove());

  const mode = (path: string) => statSync(path).mode & 0o777;

  it.each([
    ['ES256', { kty: 'EC', crv: 'P-256' }],
    ['ES384', { kty: 'EC', crv: 'P-384' }],
    ['ES512', { kty: 'EC', crv: 'P-521' }],
    ['EdDSA', { kty: 'OKP', crv: 'Ed25519' }],
    ['RS256', { kty: 'RSA' }],
    ['PS384', { kty: 'RSA' }],
  ] as const)(
    '%s: writes a PEM pair the module imports and prints the public JWK',
    async (alg, shape) => {
      const out = join(tmp.dir, alg);
      const result = await runCli(['keygen', '--alg', alg, '--out', out]);
      expect(result.code).toBe(0);

      const privatePem = readFileSync(join(out, 'private.pem'), 'utf8');
      const publicPem = readFileSync(join(out, 'public.pem'), 'utf8');
      expect(privatePem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/); // PKCS#8
      expect(publicPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/); // SPKI
      expect(mode(join(out, 'private.pem'))).toBe(0o600);
      expect(mode(join(out, 'public.pem')) & 0o077).not.toBe(0o077); // readable, not world-writable
      if (shape.kty === 'RSA') {
        expect(createPublicKey(publicPem).asymmetricKeyDetails?.modulusLength).toBe(2048);
      }

      const jwk = JSON.parse(result.stdout) as JWK;
      expect(jwk).toMatchObject({ ...shape, alg, use: 'sig' });
      expect(jwk).not.toHaveProperty('d');
      expect(jwk.kid).toBe(await calculateJwkThumbprint(jwk, 'sha256'));
      expect(
        createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }).export({
          type: 'spki',
          format: 'pem',
        }),
      ).toBe(publicPem);
      expect(result.stderr).toContain(join(out, 'private.pem'));
      expect(result.stdout + result.stderr).not.toContain(privatePem.split('\n')[1]);

      // The module's own import accepts the pair for this algorithm, with the same kid and JWK.
      const { ring, problems, warnings } = await importKeyRing({
        mode: 'local',
        algorithm: alg as JwtAlgorithm,
        privateKey: privatePem,
        publicKey: publicPem,
        verificationKeys: [],
        strictSecrets: true,
      });
      expect(problems).toEqual([]);
      expect(warnings).toEqual([]);
      expect(ring?.signing?.kid).toBe(jwk.kid);
      expect(ring?.jwks()).toEqual({ keys: [jwk] });
    },
  );

  it('uses --kid and --bits', async () => {
    const out = join(tmp.dir, 'custom');
    const result = await runCli([
      'keygen',
      '--alg',
      'PS256',
      '--bits',
      '3072',
      '--kid',
      'key-2024',
      '--out',
      out,
    ]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      kty: 'RSA',
      kid: 'key-2024',
      alg: 'PS256',
      use: 'sig',
    });
    const key = createPrivateKey(readFileSync(join(out, 'private.pem')));
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(3072);
  });

  it.each(['HS256', 'HS384', 'HS512'] as const)(
    '%s: writes a 64-byte base64url secret (mode 600) and prints only where',
    async (alg) => {
      const out = join(tmp.dir, alg);
      const result = await runCli(['keygen', '--alg', alg, '--out', out]);
      expect(result.code).toBe(0);
      const path = join(out, 'secret.txt');
      const secret = readFileSync(path, 'utf8');
      expect(secret).toMatch(/^[A-Za-z0-9_-]{86}$/);
      expect(Buffer.from(secret, 'base64url')).toHaveLength(64);
      expect(mode(path)).toBe(0o600);
      expect(result.stdout).toContain(path);
      expect(result.stdout + result.stderr).not.toContain(secret);
      expect(existsSync(join(out, 'private.pem'))).toBe(false);

      const { ring, problems, warnings } = await importKeyRing({
        mode: 'local',
        algorithm: alg,
        secret,
        verificationKeys: [],
        strictSecrets: true,
      });
      expect(problems).toEqual([]);
      expect(warnings).toEqual([]);
      expect(ring?.signing?.alg).toBe(alg);
    },
  );

  it('writes into the current directory by default', async () => {
    const cwd = join(tmp.dir, 'cwd');
    await runCli(['keygen', '--alg', 'ES256', '--out', cwd]); // creates the directory
    const result = await runCli(['keygen', '--alg', 'HS256'], { cwd });
    expect(result.code).toBe(0);
    expect(existsSync(join(cwd, 'secret.txt'))).toBe(true);
  });

  it('refuses to overwrite existing files unless --force, and writes nothing then', async () => {
    const out = join(tmp.dir, 'existing');
    const first = await runCli(['keygen', '--alg', 'ES256', '--out', out]);
    const privatePem = readFileSync(join(out, 'private.pem'), 'utf8');

    const again = await runCli(['keygen', '--alg', 'EdDSA', '--out', out]);
    expectUsageError(again, /^error: .*private\.pem already exists: use --force/);
    expect(readFileSync(join(out, 'private.pem'), 'utf8')).toBe(privatePem);

    // Only public.pem present: still refused before private.pem is written.
    const half = join(tmp.dir, 'half');
    await runCli(['keygen', '--alg', 'HS256', '--out', half]);
    writeFileSync(join(half, 'public.pem'), 'keep me');
    expect((await runCli(['keygen', '--alg', 'ES256', '--out', half])).code).toBe(2);
    expect(existsSync(join(half, 'private.pem'))).toBe(false);

    const forced = await runCli(['keygen', '--alg', 'ES256', '--out', out, '--force']);
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout).kid).not.toBe(JSON.parse(first.stdout).kid);
    expect(readFileSync(join(out, 'private.pem'), 'utf8')).not.toBe(privatePem);
    expect(mode(join(out, 'private.pem'))).toBe(0o600);
  });

  it('sets mode 600 on a secret it overwrites with --force', async () => {
    const out = join(tmp.dir, 'force-mode');
    await runCli(['keygen', '--alg', 'HS512', '--out', out]);
    writeFileSync(join(out, 'secret.txt'), 'old');
    chmodSync(join(out, 'secret.txt'), 0o644);
    expect((await runCli(['keygen', '--alg', 'HS512', '--out', out, '--force'])).code).toBe(0);
    expect(mode(join(out, 'secret.txt'))).toBe(0o600);
    expect(readFileSync(join(out, 'secret.txt'), 'utf8')).toHaveLength(86);
  });

  it.each([
    [[], /--alg is required/],
    [['--alg', 'none'], /unsupported algorithm "none"/],
    [['--alg', 'es256'], /unsupported algorithm/],
    [['--alg', 'ES256', '--bits', '4096'], /--bits applies to RS\* and PS\* only/],
    [['--alg', 'RS256', '--bits', '1024'], /--bits must be an integer from 2048/],
    [['--alg', 'RS256', '--bits', 'many'], /--bits must be an integer/],
    [['--alg', 'HS256', '--kid', 'k'], /--kid applies to asymmetric keys only/],
    [['--alg', 'ES256', '--size', '1'], /Unknown option '--size'/],
    [['--alg', 'ES256', 'extra'], /positional/i],
    [['--alg'], /argument missing/],
  ])('usage error %j: exit 2, one line on stderr', async (args, message) => {
    expectUsageError(await runCli(['keygen', '--out', join(tmp.dir, 'never'), ...args]), message);
    expect(existsSync(join(tmp.dir, 'never'))).toBe(false);
  });

  it('--help prints the options and exits 0', async () => {
    const result = await runCli(['keygen', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: nest-jwt-security keygen --alg ALG');
    for (const option of ['--out', '--kid', '--bits', '--force'])
      expect(result.stdout).toContain(option);
  });
});
