import { jest } from '@jest/globals';
import type { JwtSecurityOptions } from '../config/jwt-security-options.dto.js';
import { TooManyAttemptsError } from '../errors/jwt-security.errors.js';
import { MemoryThrottlerStorage } from '../stores/memory-throttler.storage.js';
import type { TokenStore } from '../stores/token-store.js';
import { JwtAuthService } from './jwt-auth.service.js';
import { JwtSecurityEvents } from './jwt-security-events.service.js';
import { LoginThrottler } from './login-throttler.service.js';
import { tokenModule, type TokenModule } from '../../test/utils/token-module.js';
import type { JwtSecurityEvent } from '../interfaces/jwt-security-event.interface.js';
import { JWT_SECURITY_OPTIONS } from '../jwt-security.constants.js';

const SECRET = 'a-secret-of-at-least-thirty-two-bytes!!';
const users: Record<string, string> = { alice: 'right' };

describe('login throttling', () => {
  let m: TokenModule;
  let auth: JwtAuthService;
  let events: JwtSecurityEvent[];

  beforeEach(async () => {
    events = [];
    m = await tokenModule({
      algorithm: 'HS256',
      secret: SECRET,
      credentials: {
        validate: (login, password) =>
          users[login] === password ? { sub: `users:${login}` } : null,
      },
      loginThrottle: { limit: 3, ipLimit: 5, ttl: 60, blockDuration: 120 },
      eventListener: { onJwtSecurityEvent: (event) => void events.push(event) },
    });
    auth = m.moduleRef.get(JwtAuthService);
  });
  afterEach(() => m.close());

  let next = 0;
  // A new address per attempt unless one is given, so that only the login name's limit applies.
  const attempt = (login: string, password: string, ip = `10.1.0.${++next}`) =>
    auth.login({ login, password }, { ip }).then(
      () => 'ok',
      (error: unknown) => error,
    );

  it('blocks a login name after its limit, with a Retry-After, whatever the password', async () => {
    for (let i = 0; i < 3; i++)
      expect(await attempt('alice', 'wrong')).toMatchObject({ code: 'invalid_credentials' });
    const blocked = await attempt('alice', 'right');
    expect(blocked).toBeInstanceOf(TooManyAttemptsError);
    expect((blocked as TooManyAttemptsError).headers['Retry-After']).toBe('120');
    expect(events.map((e) => e.type)).toContain('login.throttled');
  });

  it('counts login names case-insensitively', async () => {
    for (const login of ['Alice', 'ALICE', ' alice ']) await attempt(login, 'wrong');
    expect(await attempt('alice', 'right')).toBeInstanceOf(TooManyAttemptsError);
  });

  it('resets the login counter after a successful login', async () => {
    await attempt('alice', 'wrong');
    await attempt('alice', 'wrong');
    expect(await attempt('alice', 'right')).toBe('ok');
    await attempt('alice', 'wrong');
    await attempt('alice', 'wrong');
    expect(await attempt('alice', 'right')).toBe('ok');
  });

  it('blocks an IP over its limit across login names', async () => {
    for (const login of ['a', 'b', 'c', 'd', 'e']) await attempt(login, 'x', '10.0.0.9');
    expect(await attempt('alice', 'right', '10.0.0.9')).toBeInstanceOf(TooManyAttemptsError);
    expect(await attempt('alice', 'right', '10.0.0.10')).toBe('ok');
  });

  it('can be turned off', async () => {
    await m.close();
    m = await tokenModule({
      algorithm: 'HS256',
      secret: SECRET,
      credentials: { validate: () => null },
      loginThrottle: false,
    });
    auth = m.moduleRef.get(JwtAuthService);
    for (let i = 0; i < 20; i++)
      expect(await attempt('alice', 'wrong')).toMatchObject({ code: 'invalid_credentials' });
  });

  it('reports audit events for logins without passwords', async () => {
    await attempt('alice', 'wrong');
    await attempt('alice', 'right');
    expect(events.map((e) => e.type)).toEqual(['login.failed', 'login.succeeded']);
    expect(JSON.stringify(events)).not.toMatch(/wrong|right/);
    expect(m.moduleRef.get(JwtSecurityEvents).enabled).toBe(true);
  });

  it.each(['proxy', 'disabled'] as const)('opens no counters in %s mode', async (mode) => {
    const createThrottlerStorage = jest.fn(() => new MemoryThrottlerStorage());
    const throttler = new LoginThrottler(
      { ...m.moduleRef.get<JwtSecurityOptions>(JWT_SECURITY_OPTIONS), mode },
      { createThrottlerStorage } as unknown as TokenStore,
      m.tokens,
      m.moduleRef.get(JwtSecurityEvents),
    );
    throttler.onModuleInit();
    expect(createThrottlerStorage).not.toHaveBeenCalled();
    for (let i = 0; i < 5; i++)
      await expect(throttler.attempt('alice', {})).resolves.toBeUndefined();
  });
});
