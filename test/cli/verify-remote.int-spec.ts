import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { SignJWT, type JWK } from 'jose';
import { tokenModule } from '../utils/token-module.js';
import { buildOnce, expectInvalid, expectUsageError, now, runCli, tempDir } from './cli-harness.js';

/** Runs the built CLI: `verify --jwks` against a local JWKS server, and `verify --secret-file`. */
describe('nest-jwt-security verify --jwks / --secret-file', () => {
  let tmp: ReturnType<typeof tempDir>;
  let server: Server;
  let base: string;
  const signers: Record<string, { key: KeyObject; jwk: JWK }> = {};
  /** What the server answers per path. */
  const routes: Record<string, (reply: (status: number, body: string) => void) => void> = {};

  const sign = (alg: string, kid?: string, claims: Record<string, unknown> = {}) =>
    new SignJWT({ sub: 'users:user1', obj: 'access', iat: now(), exp: now() + 600, ...claims })
      .setProtectedHeader({ alg, ...(kid !== undefined && { kid }) })
      .sign(signers[alg]!.key);

  beforeAll(async () => {
    await buildOnce();
    tmp = tempDir();
    for (const alg of ['ES256', 'EdDSA', 'HS256']) {
      const dir = join(tmp.dir, alg);
      const { stdout } = await runCli(['keygen', '--alg', alg, '--out', dir]);
      if (alg !== 'HS256') {
        signers[alg] = {
          key: createPrivateKey(readFileSync(join(dir, 'private.pem'))),
          jwk: JSON.parse(stdout),
        };
      }
    }
    const jwks = JSON.stringify({ keys: [signers.ES256!.jwk, signers.EdDSA!.jwk] });
    routes['/jwks'] = (reply) => reply(200, jwks);
    routes['/one'] = (reply) => reply(200, JSON.stringify({ keys: [signers.EdDSA!.jwk] }));
    routes['/secret'] = (reply) =>
      reply(200, JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 's', alg: 'HS256' }] }));
    routes['/html'] = (reply) => reply(200, '<html>');
    routes['/huge'] = (reply) =>
      reply(200, JSON.stringify({ keys: [signers.ES256!.jwk], padding: 'x'.repeat(1024 * 1024) }));
    routes['/hang'] = () => undefined; // never answers
    server = createServer((request, response) => {
      const route = routes[request.url ?? ''];
      if (!route) return void response.writeHead(404).end();
      route((status, body) =>
        response.writeHead(status, { 'content-type': 'application/json' }).end(body),
      );
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  }, 150_000);

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((done) => server?.close(done));
    tmp?.remove();
  });

  it('picks the key by kid from the JWKS, with the algorithm the JWKS gives it', async () => {
    for (const alg of ['ES256', 'EdDSA']) {
      const result = await runCli([
        'verify',
        await sign(alg, signers[alg]!.jwk.kid),
        '--jwks',
        `${base}/jwks`,
      ]);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^VALID\n/);
    }
  });

  it('refuses an unknown kid, a kid naming a key of another algorithm, and --alg excluding the key', async () => {
    const refused = async (args: string[]) => expectInvalid(await runCli(args), 'token_invalid');
    await refused(['verify', await sign('ES256', 'unknown-kid'), '--jwks', `${base}/jwks`]);
    await refused([
      'verify',
      await sign('ES256', signers.EdDSA!.jwk.kid),
      '--jwks',
      `${base}/jwks`,
    ]);
    await refused([
      'verify',
      await sign('ES256', signers.ES256!.jwk.kid),
      '--jwks',
      `${base}/jwks`,
      '--alg',
      'EdDSA',
    ]);
  });

  it('a lone key in the JWKS also verifies tokens without kid', async () => {
    expect((await runCli(['verify', await sign('EdDSA'), '--jwks', `${base}/one`])).code).toBe(0);
  });

  it('expired through the JWKS: token_expired', async () => {
    const token = await sign('ES256', signers.ES256!.jwk.kid, { exp: now() - 30 });
    expectInvalid(await runCli(['verify', token, '--jwks', `${base}/jwks`]), 'token_expired');
  });

  it.each([
    ['/missing', /^error: JWKS request to http:\/\/127\.0\.0\.1:\d+\/missing answered HTTP 404$/],
    ['/html', /^error: cannot fetch the JWKS at .*: the answer is not JSON$/],
    ['/huge', /^error: JWKS at http:\/\/127\.0\.0\.1:\d+\/huge is larger than 1 MiB$/],
    ['/secret', /^error: the JWKS at .* has no usable signature key/],
  ])('JWKS %s: exit 2 with one line', async (path, message) => {
    const result = await runCli(['verify', await sign('ES256', 'k'), '--jwks', `${base}${path}`]);
    expectUsageError(result, message);
  });

  it('gives up on a JWKS server that does not answer after 5 s', async () => {
    const started = Date.now();
    const result = await runCli(['verify', await sign('ES256', 'k'), '--jwks', `${base}/hang`]);
    expectUsageError(result, /^error: cannot fetch the JWKS at .*\/hang: no answer within 5 s$/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4900);
    expect(Date.now() - started).toBeLessThan(12_000);
  }, 20_000);

  it.each([
    [['--jwks', 'file:///etc/passwd'], /--jwks must be an http\(s\) URL, got a file: URL/],
    [['--jwks', 'not a url'], /--jwks must be an http\(s\) URL/],
    [['--jwks', 'http://127.0.0.1:1/jwks', '--alg', 'HS256'], /HS\* needs --secret-file/],
  ])('usage error %j: exit 2', async (options, message) => {
    expectUsageError(await runCli(['verify', await sign('ES256'), ...options]), message);
  });

  describe('--secret-file', () => {
    const secretFile = () => join(tmp.dir, 'HS256', 'secret.txt');

    it('verifies what the module issues with keygen secret as its secret', async () => {
      const module = await tokenModule({
        algorithm: 'HS256',
        secret: readFileSync(secretFile(), 'utf8'),
      });
      try {
        const { accessToken, access } = module.tokens.issue({ sub: 'users:user1' });
        const result = await runCli([
          'verify',
          accessToken,
          '--secret-file',
          secretFile(),
          '--alg',
          'HS256',
        ]);
        expect(result.code).toBe(0);
        expect(JSON.parse(result.stdout.replace(/^VALID\n/, ''))).toEqual(access);
        expect(result.stdout + result.stderr).not.toContain(readFileSync(secretFile(), 'utf8'));

        // A trailing newline in the file (echo, an editor) is not part of the secret.
        const withNewline = join(tmp.dir, 'newline.txt');
        writeFileSync(withNewline, `${readFileSync(secretFile(), 'utf8')}\n`);
        expect(
          (await runCli(['verify', accessToken, '--secret-file', withNewline, '--alg', 'HS256']))
            .code,
        ).toBe(0);

        const wrong = join(tmp.dir, 'wrong.txt');
        writeFileSync(wrong, 'another-secret-another-secret-another-secret-0123456789');
        const refused = await runCli([
          'verify',
          accessToken,
          '--secret-file',
          wrong,
          '--alg',
          'HS256',
        ]);
        expectInvalid(refused, 'token_invalid');

        const otherAlg = await runCli([
          'verify',
          accessToken,
          '--secret-file',
          secretFile(),
          '--alg',
          'HS512',
        ]);
        expectInvalid(otherAlg, 'token_invalid');
        expect(otherAlg.stderr).toContain('the token uses "HS256"; this key verifies HS512 only');
      } finally {
        await module.close();
      }
    });

    it('needs --alg HS*, and refuses a PEM as secret', async () => {
      const token = await sign('ES256');
      expectUsageError(
        await runCli(['verify', token, '--secret-file', secretFile()]),
        /--secret-file needs --alg HS256, HS384 or HS512/,
      );
      const pem = join(tmp.dir, 'ES256', 'public.pem');
      const refused = await runCli(['verify', token, '--secret-file', pem, '--alg', 'HS256']);
      expectUsageError(
        refused,
        /^error: key refused: secret: HS256 needs a shared secret, not a PEM key/,
      );
    });
  });
});
