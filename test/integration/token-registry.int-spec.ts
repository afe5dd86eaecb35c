import { Logger } from '@nestjs/common';
import {
  JwtAuthService,
  JwtSecurityError,
  JwtTokenRegistry,
  MemoryTokenStore,
  NotFoundError,
  TokenRevokedError,
  type JwtSecurityModuleOptions,
  type TokenPair,
  type TokenStore,
} from 'nest-jwt-security';
import { SECRET } from '../utils/keys.js';
import { storeNamespace, type StoreNamespace } from '../utils/store-backends.js';
import { sleep } from '../utils/private-servers.js';
import { tokenModule, type TokenModule } from '../utils/token-module.js';

// The stores log connection events; nothing here is about them.
beforeAll(() => Logger.overrideLogger(false));

const BACKENDS = ['memory', 'redis', 'postgres'] as const;
type Backend = (typeof BACKENDS)[number];

/** Stores over one set of data, as the instances of one app share it. */
interface Backing {
  store(): TokenStore;
  drop(): Promise<void>;
}

function backing(backend: Backend): Backing {
  if (backend === 'memory') {
    // One process, one store: every "instance" gets the same object.
    const shared = new MemoryTokenStore();
    return { store: () => shared, drop: async () => shared.onModuleDestroy() };
  }
  const namespace: StoreNamespace = storeNamespace(backend);
  return { store: () => namespace.store(), drop: () => namespace.drop() };
}

/** An app instance: the module, its registry and its auth service. */
interface Instance extends TokenModule {
  registry: JwtTokenRegistry;
  auth: JwtAuthService;
}

const now = (): number => Math.floor(Date.now() / 1000);

/** What `promise` rejected with; fails the test when it resolved. */
async function rejection(promise: Promise<unknown>): Promise<JwtSecurityError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(JwtSecurityError);
  return error as JwtSecurityError;
}

/**
 * `JwtTokenRegistry` and the store-facing parts of `JwtAuthService`, through the module, on the
 * memory, Redis and PostgreSQL stores: the same answers everywhere, and what one instance
 * revokes is refused by it at once and by a fresh instance too.
 */
describe.each(BACKENDS)('token registry through the module (%s)', (backend) => {
  let data: Backing;
  const instances: Instance[] = [];
  const start = async (options: JwtSecurityModuleOptions = {}): Promise<Instance> => {
    const m = await tokenModule({
      algorithm: 'HS256',
      secret: SECRET,
      store: data.store(),
      ...options,
    });
    const instance = {
      ...m,
      registry: m.moduleRef.get(JwtTokenRegistry),
      auth: m.moduleRef.get(JwtAuthService),
    };
    instances.push(instance);
    return instance;
  };
  /** A login on `at`: the pair, recorded in the store as `JwtAuthService.login()` does. */
  const login = async (at: Instance, sub: string, sid?: string): Promise<TokenPair> => {
    const pair = at.tokens.issue({ sub, fresh: true, ...(sid !== undefined && { sid }) });
    const { access, refresh } = pair;
    await at.store.createSession(
      { sid: access.sid, sub, createdAt: access.iat, expiresAt: refresh!.exp, userAgent: 'jest' },
      [refresh!, access].map((c) => ({
        jti: c.jti,
        sid: c.sid,
        sub: c.sub,
        obj: c.obj,
        issuedAt: c.iat,
        expiresAt: c.exp,
        ...(c.obj === 'access' && { parent: refresh!.jti }),
      })),
    );
    return pair;
  };
  const subject = (): string => `users:${backend}-${Math.random().toString(36).slice(2)}`;

  beforeAll(() => {
    data = backing(backend);
  });
  afterAll(async () => {
    for (const instance of instances) await instance.close();
    await data?.drop();
  });

  describe('reads', () => {
    let one: Instance;
    beforeAll(async () => {
      one = await start();
    });

    it('lists the live sessions of a subject, newest first', async () => {
      const sub = subject();
      const first = await login(one, sub);
      await sleep(1100);
      const second = await login(one, sub);
      await one.registry.revokeSession((await login(one, sub)).access.sid);
      const sessions = await one.registry.sessions(sub);
      expect(sessions.map((s) => s.sid)).toEqual([second.access.sid, first.access.sid]);
      expect(sessions[0]).toMatchObject({ sub, userAgent: 'jest', expiresAt: second.refresh!.exp });
      expect(await one.registry.sessions(subject())).toEqual([]);
    });

    it('gives the token tree of any token, and the active and expired tokens', async () => {
      const sub = subject();
      const pair = await login(one, sub);
      const tree = await one.registry.tokenTree(pair.access.jti);
      expect(tree.map((t) => [t.jti, t.obj, t.parent])).toEqual([
        [pair.refresh!.jti, 'refresh', undefined],
        [pair.access.jti, 'access', pair.refresh!.jti],
      ]);
      expect(await one.registry.tokenTree('no-such-token')).toEqual([]);
      const active = await one.registry.tokens({ sub, status: 'active' });
      expect(active.map((t) => t.jti)).toEqual([pair.refresh!.jti, pair.access.jti]);
      expect(await one.registry.tokens({ sub, status: 'expired' })).toEqual([]);
      const later = pair.access.exp + 1;
      const expired = await one.registry.tokens({ sub, status: 'expired', now: later });
      expect(expired.map((t) => t.jti)).toEqual([pair.access.jti]);
      expect(await one.registry.tokens({ sid: pair.access.sid, limit: 1 })).toEqual([
        expect.objectContaining({ jti: pair.access.jti }),
      ]);
      await expect(one.registry.tokens({ sub, limit: 0 })).rejects.toThrow(RangeError);
    });
  });

  describe('revocations', () => {
    let one: Instance;
    let two: Instance;
    beforeAll(async () => {
      one = await start();
      two = await start();
    });

    it('revokes a token, a session, a subject: refused here at once, on the other after sync', async () => {
      const sub = subject();
      const a = await login(one, sub);
      const b = await login(one, sub);
      const c = await login(one, sub);
      const bystander = await login(one, subject());
      expect(await one.registry.revokeToken(a.access.jti)).toBe(true);
      expect(await rejection(one.tokens.verify(a.accessToken))).toBeInstanceOf(TokenRevokedError);
      await expect(one.tokens.verify(a.refreshToken!, { expect: 'refresh' })).resolves.toBeTruthy();
      expect(await one.registry.revokeSession(b.access.sid)).toBe(true);
      expect(await rejection(one.tokens.verify(b.accessToken))).toBeInstanceOf(TokenRevokedError);
      expect((await one.registry.tokenTree(b.access.jti)).map((t) => t.state)).toEqual([
        'revoked',
        'revoked',
      ]);
      expect(await one.registry.revokeSubject(sub)).toBe(2); // a's session and c's
      expect(await rejection(one.tokens.verify(c.accessToken))).toBeInstanceOf(TokenRevokedError);
      expect(await one.registry.sessions(sub)).toEqual([]);
      expect(await one.registry.revokeToken('no-such-token')).toBe(false);
      expect(await one.registry.revokeSession('no-such-session')).toBe(false);
      await two.tokens.syncRevocations();
      for (const pair of [a, b, c]) {
        expect(await rejection(two.tokens.verify(pair.accessToken))).toBeInstanceOf(
          TokenRevokedError,
        );
      }
      await expect(two.tokens.verify(bystander.accessToken)).resolves.toBeTruthy();
    });

    it('a refused refresh revokes here only what the store revoked', async () => {
      const sub = subject();
      // The refresh token alone was revoked by another instance: its session lives on.
      const pair = await login(one, sub);
      const presented = await one.tokens.verify(pair.refreshToken!, { expect: 'refresh' });
      await two.store.revokeToken(pair.refresh!.jti, now());
      expect(await rejection(one.auth.refresh(presented))).toBeInstanceOf(TokenRevokedError);
      await expect(one.tokens.verify(pair.accessToken)).resolves.toBeTruthy();
      // A refresh token the store never recorded (or purged) is refused, its session kept.
      const kept = await login(one, sub);
      const stray = one.tokens.issue({ sub, sid: kept.access.sid });
      const strayVerified = await one.tokens.verify(stray.refreshToken!, { expect: 'refresh' });
      expect(await rejection(one.auth.refresh(strayVerified))).toBeInstanceOf(TokenRevokedError);
      await expect(one.tokens.verify(kept.accessToken)).resolves.toBeTruthy();
      await expect(
        one.auth.refresh(await one.tokens.verify(kept.refreshToken!, { expect: 'refresh' })),
      ).resolves.toMatchObject({ accessToken: expect.any(String) });
      // The session was revoked: all of it is refused here at once.
      const ended = await login(one, sub);
      const endedVerified = await one.tokens.verify(ended.refreshToken!, { expect: 'refresh' });
      await two.store.revokeSession(ended.access.sid, now());
      expect(await rejection(one.auth.refresh(endedVerified))).toBeInstanceOf(TokenRevokedError);
      expect(await rejection(one.tokens.verify(ended.accessToken))).toBeInstanceOf(
        TokenRevokedError,
      );
    });

    it('purges what expired more than N seconds ago', async () => {
      const sub = subject();
      const t = now();
      await one.store.createSession({ sid: `${sub}-old`, sub, createdAt: t, expiresAt: t + 1 }, [
        {
          jti: `${sub}-old-r`,
          sid: `${sub}-old`,
          sub,
          obj: 'refresh',
          issuedAt: t,
          expiresAt: t + 1,
        },
      ]);
      const live = await login(one, sub);
      await expect(one.registry.purgeExpired(-1)).rejects.toThrow(RangeError);
      // Expired a moment ago, not yet an hour ago: kept.
      await sleep(2100);
      await one.registry.purgeExpired(3600);
      if (backend !== 'redis') expect(await one.store.findSession(`${sub}-old`)).toBeDefined();
      expect(await one.registry.purgeExpired(0)).toBeGreaterThanOrEqual(
        backend === 'redis' ? 0 : 2,
      );
      expect(await one.store.findSession(`${sub}-old`)).toBeUndefined();
      expect(await one.store.findToken(`${sub}-old-r`)).toBeUndefined();
      expect(await one.registry.tokenTree(live.access.jti)).toHaveLength(2);
    });
  });

  describe('once tokens expire', () => {
    const LEEWAY = 30;
    let one: Instance;
    let revokedToken: TokenPair;
    let revokedSession: TokenPair;
    let expired: TokenPair;
    let caller: TokenPair;
    const sub = `users:${backend}-expiring`;

    beforeAll(async () => {
      one = await start({ leeway: LEEWAY, accessExpiration: 1, refreshExpiration: 2 });
      revokedToken = await login(one, sub);
      revokedSession = await login(one, sub);
      expired = await login(one, sub);
      caller = await login(one, sub);
      await one.registry.revokeToken(revokedToken.access.jti);
      await one.registry.revokeSession(revokedSession.access.sid);
      await sleep(3100); // every token of these sessions is past its exp, within the leeway
    });

    it("DELETE /sessions/:id of the caller's own expired session is not found", async () => {
      // Still recorded by the memory and PostgreSQL stores (no purge yet), gone from Redis.
      const error = await rejection(one.auth.revokeOwnSession(caller.access, expired.access.sid));
      expect(error).toBeInstanceOf(NotFoundError);
      expect(error).toMatchObject({ statusCode: 404, code: 'not_found' });
    });

    it('a fresh instance still refuses tokens revoked before it started, during the leeway', async () => {
      // What the stores do to expired entries: the periodic purge, and (Redis) the trimming
      // of the revocation log on its next write.
      await one.store.purgeExpired(now());
      await one.registry.revokeToken((await login(one, sub)).access.jti);
      const fresh = await start({ leeway: LEEWAY, accessExpiration: 1, refreshExpiration: 2 });
      await expect(fresh.tokens.verify(expired.accessToken)).resolves.toBeTruthy(); // in leeway
      for (const pair of [revokedToken, revokedSession]) {
        expect(await rejection(fresh.tokens.verify(pair.accessToken))).toBeInstanceOf(
          TokenRevokedError,
        );
      }
      expect(
        await rejection(fresh.tokens.verify(revokedSession.refreshToken!, { expect: 'refresh' })),
      ).toBeInstanceOf(TokenRevokedError);
    });
  });
});
