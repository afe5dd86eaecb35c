import { jest } from '@jest/globals';
import { MemoryTokenStore } from './memory-token.store.js';
import type { NewSessionRecord, NewTokenRecord, RotateRefreshInput } from './token-store.js';

const T0 = 1_900_000_000;

function session(
  sid: string,
  sub = 'users:user1',
  createdAt = T0,
  expiresAt = T0 + 3600,
): NewSessionRecord {
  return { sid, sub, createdAt, expiresAt, userAgent: 'jest', ip: '127.0.0.1' };
}

function token(
  jti: string,
  sid: string,
  obj: 'access' | 'refresh',
  issuedAt = T0,
  extra: Partial<NewTokenRecord> = {},
): NewTokenRecord {
  return {
    jti,
    sid,
    sub: 'users:user1',
    obj,
    issuedAt,
    expiresAt: issuedAt + (obj === 'access' ? 900 : 3600),
    ...extra,
  };
}

/** A login: session `sid` with access `<sid>-a0` and refresh `<sid>-r0`. */
async function login(
  store: MemoryTokenStore,
  sid: string,
  sub = 'users:user1',
  at = T0,
): Promise<void> {
  await store.createSession(session(sid, sub, at, at + 3600), [
    token(`${sid}-a0`, sid, 'access', at, { sub }),
    token(`${sid}-r0`, sid, 'refresh', at, { sub }),
  ]);
}

function rotation(
  sid: string,
  from: string,
  gen: number,
  retire = true,
  now = T0 + 10 * gen,
): RotateRefreshInput {
  return {
    jti: from,
    sid,
    tokens: [
      token(`${sid}-a${gen}`, sid, 'access', now, { parent: from }),
      token(`${sid}-r${gen}`, sid, 'refresh', now, { parent: from }),
    ],
    retire,
    sessionExpiresAt: now + 3600,
    now,
  };
}

describe('MemoryTokenStore', () => {
  let store: MemoryTokenStore;
  beforeEach(() => {
    store = new MemoryTokenStore();
  });
  afterEach(() => store.onModuleDestroy());

  describe('sessions and tokens', () => {
    it('records a session and its first tokens', async () => {
      await login(store, 's1');
      expect(await store.findSession('s1')).toEqual({ ...session('s1'), lastUsedAt: T0 });
      expect(await store.findToken('s1-a0')).toEqual({
        ...token('s1-a0', 's1', 'access'),
        state: 'active',
      });
      expect(await store.findToken('s1-r0')).toMatchObject({ obj: 'refresh', state: 'active' });
      expect(await store.findToken('nope')).toBeUndefined();
      expect(await store.findSession('nope')).toBeUndefined();
    });

    it('hands out copies, never its own records', async () => {
      await login(store, 's1');
      const found = (await store.findToken('s1-a0'))!;
      found.state = 'revoked';
      const s = (await store.findSession('s1'))!;
      s.revokedAt = T0;
      (await store.listTokens({ now: T0 }))[0]!.state = 'revoked';
      expect(await store.findToken('s1-a0')).toMatchObject({ state: 'active' });
      expect(await store.findSession('s1')).not.toHaveProperty('revokedAt');
      expect(await store.isRevoked('s1-a0', 's1')).toBe(false);
    });
  });

  describe('rotateRefreshToken', () => {
    beforeEach(() => login(store, 's1'));

    it('rotates: retires the presented token, records its successors and extends the session', async () => {
      expect(await store.rotateRefreshToken(rotation('s1', 's1-r0', 1))).toBe('rotated');
      expect(await store.findToken('s1-r0')).toMatchObject({ state: 'retired', endedAt: T0 + 10 });
      expect(await store.findToken('s1-r1')).toMatchObject({ state: 'active', parent: 's1-r0' });
      expect(await store.findToken('s1-a1')).toMatchObject({ state: 'active', parent: 's1-r0' });
      expect(await store.findSession('s1')).toMatchObject({
        lastUsedAt: T0 + 10,
        expiresAt: T0 + 10 + 3600,
      });
      expect(await store.rotateRefreshToken(rotation('s1', 's1-r1', 2))).toBe('rotated');
    });

    it('detects reuse of a retired token and revokes the whole session', async () => {
      await store.rotateRefreshToken(rotation('s1', 's1-r0', 1));
      expect(await store.rotateRefreshToken(rotation('s1', 's1-r0', 2))).toBe('reused');
      expect(await store.findSession('s1')).toMatchObject({ revokedAt: T0 + 20 });
      for (const t of await store.listTokens({ sid: 's1', now: T0 }))
        expect(t.state).toBe('revoked');
      expect(await store.findToken('s1-a2')).toBeUndefined();
      expect(await store.isRevoked('s1-r1', 's1')).toBe(true);
      expect(await store.rotateRefreshToken(rotation('s1', 's1-r1', 3))).toBe('session_revoked');
    });

    it('answers revoked for a revoked token, session_revoked for a revoked session', async () => {
      await store.revokeToken('s1-r0', T0);
      expect(await store.rotateRefreshToken(rotation('s1', 's1-r0', 1))).toBe('revoked');
      await login(store, 's2');
      await store.revokeSession('s2', T0);
      expect(await store.rotateRefreshToken(rotation('s2', 's2-r0', 1))).toBe('session_revoked');
    });

    it('keeps the revocation of a reuse for the leeway it is given', async () => {
      await store.rotateRefreshToken(rotation('s1', 's1-r0', 1));
      const { cursor } = await store.revocationsSince(undefined, T0);
      expect(await store.rotateRefreshToken({ ...rotation('s1', 's1-r0', 2), leeway: 30 })).toBe(
        'reused',
      );
      expect((await store.revocationsSince(cursor, T0)).entries).toEqual([
        { kind: 'session', id: 's1', expiresAt: T0 + 10 + 3600 + 30 },
      ]);
    });

    it('answers unknown for an unknown token, session, or a token of another session', async () => {
      await login(store, 's2');
      expect(await store.rotateRefreshToken(rotation('s1', 'nope', 1))).toBe('unknown');
      expect(await store.rotateRefreshToken(rotation('nope', 's1-r0', 1))).toBe('unknown');
      expect(await store.rotateRefreshToken(rotation('s2', 's1-r0', 1))).toBe('unknown');
      expect(await store.findToken('s1-a1')).toBeUndefined();
    });

    it('keeps the presented token active with retire: false', async () => {
      expect(await store.rotateRefreshToken(rotation('s1', 's1-r0', 1, false))).toBe('rotated');
      expect(await store.findToken('s1-r0')).toMatchObject({ state: 'active' });
      expect(await store.rotateRefreshToken(rotation('s1', 's1-r0', 2, false))).toBe('rotated');
    });

    it('lets exactly one of 50 concurrent rotations of one refresh token succeed', async () => {
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          store.rotateRefreshToken(rotation('s1', 's1-r0', i + 1, true, T0 + 10)),
        ),
      );
      expect(outcomes.filter((o) => o === 'rotated')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'reused')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'session_revoked')).toHaveLength(48);
      const winner = outcomes.indexOf('rotated') + 1;
      const recorded = (await store.listTokens({ sid: 's1', now: T0 })).map((t) => t.jti).sort();
      expect(recorded).toEqual(['s1-a0', `s1-a${winner}`, 's1-r0', `s1-r${winner}`].sort());
    });
  });

  describe('listing', () => {
    beforeEach(async () => {
      await login(store, 'old', 'users:user1', T0);
      await login(store, 'new', 'users:user1', T0 + 100);
      await login(store, 'admin', 'users:admin', T0 + 50);
    });

    it('lists the live sessions of a subject, newest first', async () => {
      expect((await store.listSessions('users:user1', T0 + 200)).map((s) => s.sid)).toEqual([
        'new',
        'old',
      ]);
      await store.revokeSession('new', T0 + 200);
      expect((await store.listSessions('users:user1', T0 + 200)).map((s) => s.sid)).toEqual([
        'old',
      ]);
      expect(await store.listSessions('users:nobody', T0)).toEqual([]);
    });

    it('filters tokens by session, subject and status, oldest first', async () => {
      expect((await store.listTokens({ sid: 'old', now: T0 })).map((t) => t.jti)).toEqual([
        'old-r0',
        'old-a0',
      ]);
      expect((await store.listTokens({ sub: 'users:user1', now: T0 })).map((t) => t.jti)).toEqual([
        'old-r0',
        'old-a0',
        'new-r0',
        'new-a0',
      ]);
      expect(await store.listTokens({ now: T0 })).toHaveLength(6);
      await store.revokeToken('new-a0', T0 + 200);
      const active = await store.listTokens({
        sub: 'users:user1',
        status: 'active',
        now: T0 + 920,
      });
      // old-a0 expired at T0+900, new-a0 is revoked (admin-a0 lives until T0+950).
      expect(active.map((t) => t.jti)).toEqual(['old-r0', 'new-r0']);
      const expired = await store.listTokens({ status: 'expired', now: T0 + 920 });
      expect(expired.map((t) => t.jti)).toEqual(['old-a0']);
      expect(await store.listTokens({ sid: 'admin', sub: 'users:user1', now: T0 })).toEqual([]);
    });

    it('returns the token tree of a jti: every token of its session', async () => {
      await store.rotateRefreshToken(rotation('old', 'old-r0', 1, true, T0 + 10));
      const tree = await store.tokenTree('old-a1');
      expect(tree.map((t) => [t.jti, t.parent])).toEqual([
        ['old-r0', undefined],
        ['old-a0', undefined],
        ['old-r1', 'old-r0'],
        ['old-a1', 'old-r0'],
      ]);
      expect(await store.tokenTree('nope')).toEqual([]);
    });
  });

  describe('revocation', () => {
    beforeEach(async () => {
      await login(store, 's1');
      await login(store, 's2');
      await login(store, 's3', 'users:admin');
    });

    it('revokes one token', async () => {
      expect(await store.revokeToken('s1-a0', T0 + 5)).toBe(true);
      expect(await store.findToken('s1-a0')).toMatchObject({ state: 'revoked', endedAt: T0 + 5 });
      expect(await store.isRevoked('s1-a0', 's1')).toBe(true);
      expect(await store.isRevoked('s1-r0', 's1')).toBe(false);
      expect(await store.revokeToken('nope', T0)).toBe(false);
    });

    it('revokes a session and all its tokens', async () => {
      expect(await store.revokeSession('s1', T0 + 5)).toBe(true);
      expect(await store.findSession('s1')).toMatchObject({ revokedAt: T0 + 5 });
      expect(await store.isRevoked('anything', 's1')).toBe(true);
      expect(await store.findToken('s1-r0')).toMatchObject({ state: 'revoked', endedAt: T0 + 5 });
      expect(await store.revokeSession('nope', T0)).toBe(false);
    });

    it('revokes every session of a subject, answering with the live ones it revoked', async () => {
      await store.revokeSession('s1', T0 + 1);
      expect((await store.revokeSubject('users:user1', T0 + 5)).sort()).toEqual(['s2']);
      expect(await store.revokeSubject('users:user1', T0 + 6)).toEqual([]);
      expect(await store.isRevoked('s3-a0', 's3')).toBe(false);
      expect(await store.revokeSubject('users:nobody', T0)).toEqual([]);
    });

    it('keeps revocation entries past the expiry by the leeway it is given', async () => {
      const { cursor } = await store.revocationsSince(undefined, T0);
      await store.revokeToken('s1-a0', T0, 30);
      await store.revokeSession('s2', T0, 30);
      await store.revokeSubject('users:admin', T0, 30);
      expect((await store.revocationsSince(cursor, T0)).entries).toEqual([
        { kind: 'token', id: 's1-a0', expiresAt: T0 + 900 + 30 },
        { kind: 'session', id: 's2', expiresAt: T0 + 3600 + 30 },
        { kind: 'session', id: 's3', expiresAt: T0 + 3600 + 30 },
      ]);
      // The sweep deletes them only once that horizon passed.
      await store.purgeExpired(T0 + 900 + 1);
      expect((await store.revocationsSince(undefined, T0 + 901)).entries).toHaveLength(3);
      await store.purgeExpired(T0 + 900 + 31);
      expect((await store.revocationsSince(undefined, T0)).entries.map((e) => e.id)).toEqual([
        's2',
        's3',
      ]);
    });

    it('answers isRevoked false for unknown ids', async () => {
      expect(await store.isRevoked('nope', 'nope')).toBe(false);
    });

    it('replays revocations after a cursor', async () => {
      const start = await store.revocationsSince(undefined, T0);
      expect(start.entries).toEqual([]);
      await store.revokeToken('s1-a0', T0);
      await store.revokeSession('s2', T0);
      const first = await store.revocationsSince(start.cursor, T0);
      expect(first.entries).toEqual([
        { kind: 'token', id: 's1-a0', expiresAt: T0 + 900 },
        { kind: 'session', id: 's2', expiresAt: T0 + 3600 },
      ]);
      expect(await store.revocationsSince(first.cursor, T0)).toEqual({
        cursor: first.cursor,
        entries: [],
      });
      await store.revokeSession('s3', T0);
      expect((await store.revocationsSince(first.cursor, T0)).entries.map((e) => e.id)).toEqual([
        's3',
      ]);
      expect((await store.revocationsSince(undefined, T0)).entries).toHaveLength(3);
    });

    it('logs a revocation once, however often it is repeated', async () => {
      await store.revokeToken('s1-a0', T0);
      await store.revokeToken('s1-a0', T0 + 1);
      await store.revokeSession('s2', T0);
      await store.revokeSession('s2', T0 + 1);
      expect((await store.revocationsSince(undefined, T0)).entries).toHaveLength(2);
    });

    it('notifies watchers of each revocation until they unsubscribe', async () => {
      const listener = jest.fn();
      const unwatch = await store.watchRevocations(listener);
      await store.revokeToken('s1-a0', T0);
      await store.revokeSession('s2', T0);
      expect(listener).toHaveBeenCalledTimes(2);
      await unwatch();
      await store.revokeSession('s3', T0);
      expect(listener).toHaveBeenCalledTimes(2);
    });

    it('lets a watcher that throws fail neither the revocation nor the other watchers', async () => {
      const listener = jest.fn();
      await store.watchRevocations(() => {
        throw new Error('watcher bug');
      });
      await store.watchRevocations(listener);
      await expect(store.revokeToken('s1-a0', T0)).resolves.toBe(true);
      expect(listener).toHaveBeenCalledTimes(1);
      expect(await store.isRevoked('s1-a0', 's1')).toBe(true);
    });
  });

  describe('expiry', () => {
    it('hides expired entries from time-aware reads before any sweep (lazy expiry)', async () => {
      await login(store, 's1');
      await store.revokeToken('s1-a0', T0);
      const later = T0 + 3601;
      expect(await store.listSessions('users:user1', later)).toEqual([]);
      expect(await store.listTokens({ sid: 's1', status: 'active', now: later })).toEqual([]);
      expect((await store.revocationsSince(undefined, later)).entries).toEqual([]);
      // Nothing was deleted yet: the registry still knows them until the sweep.
      expect(await store.listTokens({ sid: 's1', status: 'expired', now: later })).toHaveLength(2);
    });

    it('purges tokens, sessions and revocations that expired before the given time', async () => {
      await login(store, 's1', 'users:user1', T0);
      await login(store, 's2', 'users:user1', T0 + 1000);
      await store.revokeToken('s1-a0', T0);
      // s1-a0 expires at T0+900; s2-a0 at T0+1900; s1 and s1-r0 at T0+3600.
      expect(await store.purgeExpired(T0 + 1000)).toBe(1);
      expect(await store.findToken('s1-a0')).toBeUndefined();
      expect((await store.revocationsSince(undefined, T0)).entries).toEqual([]);
      expect(await store.purgeExpired(T0 + 3601)).toBe(3);
      expect(await store.findSession('s1')).toBeUndefined();
      expect(await store.tokenTree('s1-r0')).toEqual([]);
      expect((await store.listSessions('users:user1', T0)).map((s) => s.sid)).toEqual(['s2']);
      expect(await store.purgeExpired(T0 + 3601)).toBe(0);
    });

    it("sweeps with one unref()'d timer, cleared in onModuleDestroy", () => {
      const setSpy = jest.spyOn(globalThis, 'setInterval');
      const clearSpy = jest.spyOn(globalThis, 'clearInterval');
      try {
        const swept = new MemoryTokenStore({ sweepInterval: 1000 });
        expect(setSpy).toHaveBeenCalledTimes(1);
        expect(setSpy.mock.calls[0]![1]).toBe(1000);
        const timer = setSpy.mock.results[0]!.value as NodeJS.Timeout;
        expect(timer.hasRef()).toBe(false);
        swept.onModuleDestroy();
        expect(clearSpy).toHaveBeenCalledWith(timer);
      } finally {
        setSpy.mockRestore();
        clearSpy.mockRestore();
      }
    });

    it('runs purgeExpired on every sweep, and no more after onModuleDestroy', async () => {
      jest.useFakeTimers({ now: T0 * 1000 + 5_000 });
      try {
        const swept = new MemoryTokenStore({ sweepInterval: 1000 });
        await login(swept, 's1', 'users:user1', T0 - 3600);
        const purge = jest.spyOn(swept, 'purgeExpired');
        jest.advanceTimersByTime(1000);
        expect(purge).toHaveBeenCalledTimes(1);
        expect(purge).toHaveBeenLastCalledWith(T0 + 6);
        await Promise.resolve();
        expect(await swept.findSession('s1')).toBeUndefined();
        jest.advanceTimersByTime(2000);
        expect(purge).toHaveBeenCalledTimes(3);
        swept.onModuleDestroy();
        jest.advanceTimersByTime(10_000);
        expect(purge).toHaveBeenCalledTimes(3);
      } finally {
        jest.useRealTimers();
      }
    });

    it('defaults the sweep to once a minute', () => {
      const setSpy = jest.spyOn(globalThis, 'setInterval');
      try {
        new MemoryTokenStore().onModuleDestroy();
        expect(setSpy.mock.calls[0]![1]).toBe(60_000);
      } finally {
        setSpy.mockRestore();
      }
    });
  });
});
