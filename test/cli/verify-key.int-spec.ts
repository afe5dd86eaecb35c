import {
  createPrivateKey,
  createSecretKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, type JWTPayload } from 'jose';
import { unsignedToken } from '../utils/jwt-e2e.js';
import { segment } from '../utils/keys.js';
import { tokenModule, type TokenModule } from '../utils/token-module.js';
import { buildOnce, expectInvalid, expectUsageError, now, runCli, tempDir } from './cli-harness.js';

/** Runs the built CLI: `verify --key` applies the module's strict rules to keygen's keys. */
describe('nest-jwt-security verify --key', () => {
  let tmp: ReturnType<typeof tempDir>;
  const keys: Record<
    string,
    { dir: string; privateKey: KeyObject; publicPem: string; jwk: string }
  > = {};
  let module: TokenModule;

  const sign = (
    alg: string,
    claims: JWTPayload,
    header: Record<string, unknown> = {},
    key?: KeyObject,
  ) =>
    new SignJWT({ sub: 'users:user1', obj: 'access', iat: now(), exp: now() + 600, ...claims })
      .setProtectedHeader({ alg, typ: 'JWT', ...header })
      .sign(key ?? keys[alg]!.privateKey);
  const publicPem = (alg: string) => join(keys[alg]!.dir, 'public.pem');

  beforeAll(async () => {
    await buildOnce();
    tmp = tempDir();
    for (const alg of ['ES256', 'ES384', 'EdDSA', 'RS256', 'PS256']) {
      const dir = join(tmp.dir, alg);
      const { stdout } = await runCli(['keygen', '--alg', alg, '--out', dir]);
      keys[alg] = {
        dir,
        privateKey: createPrivateKey(readFileSync(join(dir, 'private.pem'))),
        publicPem: readFileSync(join(dir, 'public.pem'), 'utf8'),
        jwk: stdout,
      };
    }
    // The module itself, configured with keygen's ES256 pair, issues the tokens of the first test.
    module = await tokenModule({
      algorithm: 'ES256',
      privateKey: readFileSync(join(keys.ES256!.dir, 'private.pem'), 'utf8'),
      publicKey: keys.ES256!.publicPem,
      audience: 'api',
      issuer: 'https://auth.example',
    });
  }, 150_000);

  afterAll(async () => {
    await module?.close();
    tmp?.remove();
  });

  it('accepts a token the module issued with keygen keys, and prints VALID and the claims', async () => {
    const { accessToken, access } = module.tokens.issue({
      sub: 'users:user1',
      claims: { scope: ['admin'] },
    });
    const args = ['verify', accessToken, '--key', publicPem('ES256')];
    const result = await runCli([...args, '--aud', 'api', '--iss', 'https://auth.example']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const [status, ...rest] = result.stdout.split('\n');
    expect(status).toBe('VALID');
    expect(JSON.parse(rest.join('\n'))).toEqual(access);

    expectInvalid(await runCli([...args, '--aud', 'other']), 'token_invalid');
    expectInvalid(await runCli([...args, '--iss', 'https://evil.example']), 'token_invalid');
  });

  it.each(['ES256', 'EdDSA', 'RS256'])('%s: the algorithm follows from the key', async (alg) => {
    const result = await runCli(['verify', await sign(alg, {}), '--key', publicPem(alg)]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^VALID\n/);
  });

  it('PS256 needs --alg PS256 with an RSA key (RS256 otherwise)', async () => {
    const token = await sign('PS256', {});
    const result = await runCli(['verify', token, '--key', publicPem('PS256')]);
    expectInvalid(result, 'token_invalid');
    expect(result.stderr).toContain('the token uses "PS256"; this key verifies RS256 only');
    expect(
      (await runCli(['verify', token, '--key', publicPem('PS256'), '--alg', 'PS256'])).code,
    ).toBe(0);
  });

  it('accepts the private key file, the JWK printed by keygen, and the token on stdin', async () => {
    const token = await sign('ES256', {});
    expect(
      (await runCli(['verify', token, '--key', join(keys.ES256!.dir, 'private.pem')])).code,
    ).toBe(0);
    const jwkFile = join(tmp.dir, 'es256.jwk.json');
    writeFileSync(jwkFile, keys.ES256!.jwk);
    expect((await runCli(['verify', token, '--key', jwkFile])).code).toBe(0);
    const piped = await runCli(['verify', '-', '--key', publicPem('ES256')], {
      input: `${token}\n`,
    });
    expect(piped.stdout).toMatch(/^VALID\n/);
  });

  it('uses the key file whatever kid the token names', async () => {
    const result = await runCli([
      'verify',
      await sign('EdDSA', {}, { kid: 'rotated-2024' }),
      '--key',
      publicPem('EdDSA'),
    ]);
    expect(result.code).toBe(0);
  });

  it('expired: token_expired, unless within --leeway', async () => {
    const token = await sign('ES256', { iat: now() - 660, exp: now() - 60 });
    expectInvalid(await runCli(['verify', token, '--key', publicPem('ES256')]), 'token_expired');
    const lenient = await runCli(['verify', token, '--key', publicPem('ES256'), '--leeway', '120']);
    expect(lenient.code).toBe(0);
  });

  it('not yet valid (nbf), no exp, no obj: token_invalid', async () => {
    const key = ['--key', publicPem('ES256')];
    expectInvalid(
      await runCli(['verify', await sign('ES256', { nbf: now() + 600 }), ...key]),
      'token_invalid',
    );
    const withoutExp = await new SignJWT({ sub: 'users:user1', obj: 'access' })
      .setProtectedHeader({ alg: 'ES256' })
      .sign(keys.ES256!.privateKey);
    expectInvalid(await runCli(['verify', withoutExp, ...key]), 'token_invalid');
    expectInvalid(
      await runCli(['verify', await sign('ES256', { obj: undefined }), ...key]),
      'token_invalid',
    );
  });

  it('tampered payload or signature: token_invalid', async () => {
    const [header, , signature] = (await sign('ES256', {})).split('.');
    const forged = `${header}.${segment({ sub: 'users:admin', obj: 'access', exp: now() + 600 })}.${signature}`;
    expectInvalid(await runCli(['verify', forged, '--key', publicPem('ES256')]), 'token_invalid');
    const token = await sign('RS256', {});
    const flipped = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expectInvalid(await runCli(['verify', flipped, '--key', publicPem('RS256')]), 'token_invalid');
  });

  it('signed by another key of the same type: token_invalid', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    expectInvalid(
      await runCli(['verify', await sign('ES256', {}, {}, other), '--key', publicPem('ES256')]),
      'token_invalid',
    );
  });

  it('alg none, and HS256 keyed with the public key (algorithm confusion): token_invalid', async () => {
    const none = unsignedToken({ sub: 'users:admin', obj: 'access', exp: now() + 600 });
    expectInvalid(await runCli(['verify', none, '--key', publicPem('ES256')]), 'token_invalid');
    const confused = await sign(
      'HS256',
      {},
      {},
      createSecretKey(Buffer.from(keys.RS256!.publicPem)),
    );
    expectInvalid(await runCli(['verify', confused, '--key', publicPem('RS256')]), 'token_invalid');
  });

  it('malformed or oversized: token_malformed', async () => {
    expectInvalid(
      await runCli(['verify', 'not.a-token', '--key', publicPem('ES256')]),
      'token_malformed',
    );
    const huge = await sign('ES256', { pad: 'x'.repeat(9000) });
    expectInvalid(await runCli(['verify', huge, '--key', publicPem('ES256')]), 'token_malformed');
  });

  it.each([
    [
      ['--key', 'KEY', '--alg', 'ES384'],
      /^error: key refused: publicKey: ES384 needs an EC key on curve secp384r1/,
    ],
    [['--key', 'KEY', '--alg', 'HS256'], /HS256 takes --secret-file, not --key/],
    [['--key', 'KEY', '--alg', 'none'], /unsupported algorithm "none"/],
    [
      ['--key', 'KEY', '--leeway', '-5'],
      /Option '--leeway' argument is ambiguous\. Did you forget/,
    ],
    [['--key', 'KEY', '--leeway', '1h'], /--leeway must be an integer from 0 to 300/],
    [['--key', 'KEY', '--leeway=-5'], /--leeway must be an integer from 0 to 300/],
    [['--key', 'KEY', '--leeway', '301'], /--leeway must be an integer from 0 to 300/],
    [['--key', 'KEY', '--aud', ''], /--aud must not be empty/],
    [['--key', 'missing.pem'], /cannot read key file "missing\.pem" \(ENOENT\)/],
    [['--key', 'package.json'], /not a readable public or private key/],
    [[], /give exactly one of --key FILE, --jwks URL or --secret-file FILE/],
    [['--key', 'KEY', '--secret-file', 'KEY'], /give exactly one of/],
    [['--key', 'KEY', '--verbose'], /Unknown option '--verbose'/],
  ])('usage error %j: exit 2 with one line', async (options, message) => {
    const args = options.map((arg) => (arg === 'KEY' ? publicPem('ES256') : arg));
    expectUsageError(await runCli(['verify', await sign('ES256', {}), ...args]), message);
  });

  it('missing TOKEN is a usage error; --help exits 0', async () => {
    expectUsageError(await runCli(['verify', '--key', publicPem('ES256')]), /missing TOKEN/);
    const help = await runCli(['verify', '--help']);
    expect(help.code).toBe(0);
    for (const option of [
      '--key',
      '--jwks',
      '--secret-file',
      '--alg',
      '--aud',
      '--iss',
      '--leeway',
    ]) {
      expect(help.stdout).toContain(option);
    }
  });
});
