import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { b64, segment } from '../utils/keys.js';
import { buildOnce, expectUsageError, now, runCli } from './cli-harness.js';

const BANNER = /^UNVERIFIED: the signature was NOT checked/;

/** Runs the built CLI: `inspect` decodes without verifying, and says so. */
describe('nest-jwt-security inspect', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const iat = now() - 60;
  let token: string;
  let expired: string;

  beforeAll(async () => {
    token = await new SignJWT({ sub: 'users:user1', obj: 'access', scope: ['admin'] })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: 'key-1' })
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(iat + 3600)
      .sign(privateKey);
    expired = await new SignJWT({ sub: 'users:user1', obj: 'refresh' })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuedAt(iat - 7200)
      .setExpirationTime(iat - 3600)
      .sign(privateKey);
    await buildOnce();
  }, 150_000);

  it('prints a banner, the header and the claims as JSON, and never the signature', async () => {
    const result = await runCli(['inspect', token]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(BANNER);
    const [header, claims] = result.stdout
      .match(/^\{[\s\S]*?^\}/gm)!
      .map((block) => JSON.parse(block));
    expect(header).toEqual({ alg: 'ES256', typ: 'JWT', kid: 'key-1' });
    expect(claims).toEqual({
      sub: 'users:user1',
      obj: 'access',
      scope: ['admin'],
      iat,
      nbf: iat,
      exp: iat + 3600,
    });
    expect(result.stdout).not.toContain(token.split('.')[2]);
  });

  it('shows iat, nbf and exp as ISO dates, and that exp is not past', async () => {
    const { stdout } = await runCli(['inspect', token]);
    const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
    expect(stdout).toContain(`iat  ${iso(iat)}`);
    expect(stdout).toContain(`nbf  ${iso(iat)}`);
    expect(stdout).toMatch(
      new RegExp(`exp  ${iso(iat + 3600)}  \\(not expired, 5\\dm \\d+s left\\)`),
    );
  });

  it('says when exp is past (still exit 0: nothing was verified)', async () => {
    const result = await runCli(['inspect', expired]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(BANNER);
    expect(result.stdout).toMatch(/exp {2}\S+Z {2}\(EXPIRED 1h 1m ago\)/);
  });

  it('reads the token from stdin with "-"', async () => {
    const result = await runCli(['inspect', '-'], { input: `${token}\n` });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(BANNER);
    expect(result.stdout).toContain('"kid": "key-1"');
  });

  it('decodes alg none and odd claims without judging them', async () => {
    const result = await runCli([
      'inspect',
      `${segment({ alg: 'none' })}.${segment({ sub: 'x', exp: 'soon' })}.`,
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"alg": "none"');
    expect(result.stdout).toContain('exp  "soon" (not a NumericDate)');
  });

  it.each([
    ['not a JWT', 'not-a-token', /expected 3 dot-separated segments, got 1/],
    ['two segments', 'abc.def', /got 2/],
    ['a JWE', 'a.b.c.d.e', /encrypted JWE/],
    [
      'bad header',
      `${segment({ alg: 'ES256' }).slice(3)}.${segment({ sub: 'x' })}.sig`,
      /header is not/,
    ],
    ['header not an object', `${segment([1, 2])}.${segment({ sub: 'x' })}.sig`, /header is not/],
    ['payload not JSON', `${segment({ alg: 'ES256' })}.${b64('hello')}.sig`, /payload is not/],
    ['payload bad base64url', `${segment({ alg: 'ES256' })}.a+b/c.sig`, /payload is not/],
  ])('%s: exit 1 with one clear line', async (_case, bad, message) => {
    const result = await runCli(['inspect', bad]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: malformed token: /);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it.each([
    [['inspect'], /missing TOKEN/],
    [['inspect', 'a.b.c', 'd.e.f'], /expected one TOKEN/],
    [['inspect', '--verbose', 'a.b.c'], /Unknown option '--verbose'/],
    [['inspect', '-'], /no token on standard input/],
  ])('usage error %j: exit 2', async (args, message) => {
    expectUsageError(await runCli(args), message);
  });

  it('--help explains that nothing is verified', async () => {
    const result = await runCli(['inspect', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: nest-jwt-security inspect TOKEN');
    expect(result.stdout).toContain('WITHOUT verifying');
  });
});
