import { jest } from '@jest/globals';
import * as argon2 from '@node-rs/argon2';
import {
  ADAPTERS,
  request,
  startApp,
  type HttpAnswer,
  type RunningApp,
} from '../utils/http-app.js';
import { AUTH } from '../utils/jwt-e2e.js';

/*
 * The sample's password check is observed through its one dependency: '@node-rs/argon2' is
 * replaced, before the sample is imported, by the real module with `verify` wrapped in a spy.
 */
const verify = jest.fn(argon2.verify);
jest.unstable_mockModule('@node-rs/argon2', () => ({ ...argon2, verify }));
const { AppModule } = await import('../../sample/app.module.js');
const { UsersService } = await import('../../sample/users/users.service.js');
const { UsersCredentials } = await import('../../sample/users/users.credentials.js');

/** The cost parameters of an encoded Argon2 hash: `argon2id v=19 m=…,t=…,p=…`. */
function costOf(encoded: string): string {
  const [, variant, version, params] = encoded.split('$');
  return `${variant} ${version} ${params}`;
}

/** Everything of an answer a client can compare, but the `Date` header. */
function fingerprint(answer: HttpAnswer): { status: number; headers: string[][]; body: string } {
  const headers = [...answer.headers.entries()].filter(([name]) => name !== 'date');
  return { status: answer.status, headers, body: JSON.stringify(answer.body) };
}

const WRONG = 'Wrong-password-7c1e';

/**
 * Issue 6 item 4: an unknown login costs the same password-hash work as a wrong password, and
 * both failures look the same from outside (status, body, headers).
 */
describe.each(ADAPTERS)('equal-cost login failures, sample app (%s)', (adapter) => {
  let running: RunningApp;
  let base: string;
  const attempt = (login: string, password: string, form = false): Promise<HttpAnswer> =>
    request(`${base}${AUTH}/login`, {
      method: 'POST',
      ...(form ? { form: { login, password } } : { json: { login, password } }),
    });

  beforeAll(async () => {
    running = await startApp(AppModule, adapter);
    base = running.url;
  });
  afterAll(() => running.close());
  beforeEach(() => verify.mockClear());

  it('the validator verifies one Argon2 hash of the same cost for an unknown login and a wrong password', async () => {
    const credentials = running.app.get(UsersCredentials);
    const calls: Record<string, Array<[string, string]>> = {};
    for (const [name, login, password] of [
      ['unknown login', 'nobody-here', WRONG],
      ['wrong password', 'user1', WRONG],
      ['right password', 'user1', 'passwd'],
    ] as const) {
      verify.mockClear();
      const principal = await credentials.validate(login, password);
      expect(principal === null).toBe(name !== 'right password');
      calls[name] = verify.mock.calls.map(([hash, pass]) => [costOf(String(hash)), String(pass)]);
    }
    const [[cost]] = calls['right password'] as [[string, string]];
    expect(cost).toMatch(/^argon2id v=19 m=\d+,t=\d+,p=\d+$/);
    expect(calls).toEqual({
      'unknown login': [[cost, WRONG]],
      'wrong password': [[cost, WRONG]],
      'right password': [[cost, 'passwd']],
    });
  });

  it('the unknown login is checked against a hash no password of a user matches', async () => {
    const users = running.app.get(UsersService);
    await users.checkPassword('nobody-here', WRONG);
    const [[dummy]] = verify.mock.calls as [[string, string]];
    for (const [login, password] of [
      ['user1', 'passwd'],
      ['admin', 'admin'],
    ]) {
      expect(await argon2.verify(String(dummy), password!)).toBe(false);
      expect(await users.checkPassword(login!, password!)).toBeDefined();
    }
  });

  it.each([
    ['JSON', false],
    ['form', true],
  ])(
    'over HTTP (%s), both failures call the hasher once and answer byte for byte the same',
    async (_name, form) => {
      const answers: Record<string, ReturnType<typeof fingerprint>> = {};
      const hashing: Record<string, number> = {};
      for (const [name, login] of [
        ['unknown login', `ghost-${adapter}-${String(form)}`],
        ['wrong password', 'user1'],
      ] as const) {
        verify.mockClear();
        answers[name] = fingerprint(await attempt(login, WRONG, form));
        hashing[name] = verify.mock.calls.length;
      }
      expect(hashing).toEqual({ 'unknown login': 1, 'wrong password': 1 });
      expect(answers['unknown login']).toEqual(answers['wrong password']);
      expect(answers['wrong password']).toMatchObject({ status: 401 });
      expect(JSON.parse(answers['wrong password']!.body)).toMatchObject({
        code: 'invalid_credentials',
      });
      const headers = Object.fromEntries(answers['wrong password']!.headers);
      expect(headers['www-authenticate']).toMatch(/^Bearer /);
      expect(JSON.stringify(answers)).not.toContain(WRONG);
    },
  );

  it('the login throttle blocks an unknown login and a known one at the same attempt', async () => {
    const statuses: Record<string, number[]> = {};
    const blocked: Record<string, unknown> = {};
    for (const [name, login] of [
      ['unknown login', `ghost-throttle-${adapter}`],
      ['wrong password', 'admin'],
    ] as const) {
      verify.mockClear();
      statuses[name] = [];
      let last: HttpAnswer | undefined;
      for (let i = 0; i < 12; i++) {
        last = await attempt(login, WRONG);
        statuses[name]!.push(last.status);
      }
      const { 'retry-after': retryAfter, ...headers } = Object.fromEntries(
        fingerprint(last!).headers,
      );
      blocked[name] = {
        body: last!.body,
        headers,
        retryAfter: Number(retryAfter) > 0,
        hashed: verify.mock.calls.length,
      };
    }
    expect(statuses['unknown login']).toEqual(statuses['wrong password']);
    expect(statuses['wrong password']).toContain(429);
    expect(blocked['unknown login']).toEqual(blocked['wrong password']);
  });
});
