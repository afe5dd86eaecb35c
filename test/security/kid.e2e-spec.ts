import { ADAPTERS } from '../utils/http-app.js';
import { expectAccepted, expectRefused } from './fixtures/routes.js';
import { startTarget, type Target } from './fixtures/target.js';

/** `kid` values an attacker tries (path traversal, injection, lookups of inherited names). */
const KID_STRINGS: Array<[string, (ours: string) => string]> = [
  ['path traversal to /dev/null', () => '../../dev/null'],
  ['deep path traversal to /etc/passwd', () => '../../../../../../../../etc/passwd'],
  ['an absolute path', () => '/dev/null'],
  ['a file URL', () => 'file:///dev/null'],
  ['an http URL', () => 'http://127.0.0.1:9/key.pem'],
  ['SQL injection', () => "' OR 1=1 --"],
  ['SQL union', () => "x' UNION SELECT 'secret' --"],
  ['a command', () => '$(id); `id`'],
  ['a JNDI lookup', () => '${jndi:ldap://127.0.0.1:9/a}'],
  ['a NUL byte after our kid', (ours) => `${ours}\u0000`],
  ['our kid with a trailing space', (ours) => `${ours} `],
  ['our kid in upper case', (ours) => ours.toUpperCase()],
  ['a prefix of our kid', (ours) => ours.slice(0, -1)],
  ['our kid twice', (ours) => ours + ours],
  ['an empty string', () => ''],
  ['__proto__', () => '__proto__'],
  ['constructor', () => 'constructor'],
  ['toString', () => 'toString'],
  ['hasOwnProperty', () => 'hasOwnProperty'],
  ['a 4 KB string (under maxTokenSize)', () => 'k'.repeat(4096)],
];

/** Non-string `kid` values (RFC 7515 §4.1.4 makes it a string). */
const KID_VALUES: Array<[string, (ours: string) => unknown]> = [
  ['the number 0', () => 0],
  ['a number', () => 42],
  ['a float', () => 1.5],
  ['true', () => true],
  ['false', () => false],
  ['null', () => null],
  ['an empty array', () => []],
  ['an array holding our kid', (ours) => [ours]],
  ['an empty object', () => ({})],
  ['an object holding our kid', (ours) => ({ kid: ours })],
];

type Case = [name: string, code: string, kid: (ours: string) => unknown];

const CASES: Case[] = [
  ...KID_STRINGS.map(([name, kid]): Case => [`kid ${name}`, 'token_invalid', kid]),
  ...KID_VALUES.map(([name, kid]): Case => [`kid ${name}`, 'token_invalid', kid]),
  // Over maxTokenSize (8192): refused before anything is looked up.
  ['kid of 10 KB', 'token_malformed', () => 'k'.repeat(10 * 1024)],
];

/**
 * `kid` injection: the key is chosen from the module's own table only, so any `kid` that is not
 * exactly one of ours fails, even when everything else (algorithm, claims, and the signature by
 * the server's real key) is right.
 */
describe.each(ADAPTERS)('attacks through kid (%s)', (adapter) => {
  describe.each(['HS256', 'RS256'] as const)('%s', (alg) => {
    let target: Target;
    beforeAll(async () => {
      target = await startTarget(adapter, alg);
    });
    afterAll(() => target.close());

    it('control: the same token with our own kid is accepted', async () => {
      await expectAccepted(target, (kind) => target.sign(target.header, target.claims(kind)));
    });

    it.each(CASES)('%s → %s', async (_name, code, kid) => {
      await expectRefused(
        target,
        (kind) => target.sign({ ...target.header, kid: kid(target.kid) }, target.claims(kind)),
        code,
      );
    });
  });
});
