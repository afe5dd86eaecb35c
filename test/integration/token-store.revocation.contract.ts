import { randomUUID } from 'node:crypto';
import { within } from '../utils/private-servers.js';
import {
  HOUR,
  login,
  nowSeconds,
  rotation,
  subject,
  successors,
  type ContractContext,
} from './token-store.contract-kit.js';

/** Revocation: of tokens, sessions and subjects, the log every instance replays, expiry. */
export function describeRevocationContract(ctx: ContractContext): void {
  describe('revocation', () => {
    it('revokes one token, once', async () => {
      const now = nowSeconds();
      const { session, refresh, access } = await ctx.open();
      expect(await ctx.store.isRevoked(access.jti, session.sid)).toBe(false);
      expect(await ctx.store.revokeToken(access.jti, now)).toBe(true);
      expect(await ctx.other.isRevoked(access.jti, session.sid)).toBe(true);
      expect(await ctx.other.isRevoked(refresh.jti, session.sid)).toBe(false);
      expect(await ctx.store.findToken(access.jti)).toEqual({
        ...access,
        state: 'revoked',
        endedAt: now,
      });
      const { cursor } = await ctx.store.revocationsSince(undefined, now);
      expect(await ctx.store.revokeToken(access.jti, now + 5)).toBe(true);
      expect((await ctx.store.revocationsSince(cursor, now)).entries).toEqual([]);
      expect(await ctx.store.revokeToken(randomUUID(), now)).toBe(false);
    });

    it('revokes a session and every token of it', async () => {
      const now = nowSeconds();
      const { session, refresh, access } = await ctx.open();
      expect(await ctx.other.revokeSession(session.sid, now)).toBe(true);
      expect((await ctx.store.findSession(session.sid))?.revokedAt).toBe(now);
      for (const t of [refresh, access]) {
        expect(await ctx.store.findToken(t.jti)).toEqual({ ...t, state: 'revoked', endedAt: now });
      }
      expect(await ctx.store.isRevoked(randomUUID(), session.sid)).toBe(true);
      expect(await ctx.store.revokeSession(session.sid, now + 1)).toBe(true);
      expect((await ctx.store.findSession(session.sid))?.revokedAt).toBe(now);
      expect(await ctx.store.revokeSession(randomUUID(), now)).toBe(false);
    });

    it('revokes every session of a subject and answers with those it revoked', async () => {
      const now = nowSeconds();
      const sub = subject();
      const sessions = [await ctx.open(sub), await ctx.open(sub), await ctx.open(sub)];
      const bystander = await ctx.open();
      await ctx.store.revokeSession(sessions[0]!.session.sid, now);
      // Opened through another instance just before: revoked and reported all the same.
      const late = login(sub, now);
      await ctx.other.createSession(late.session, [late.refresh, late.access]);
      const revoked = await ctx.store.revokeSubject(sub, now);
      expect([...revoked].sort()).toEqual(
        [sessions[1]!.session.sid, sessions[2]!.session.sid, late.session.sid].sort(),
      );
      expect(await ctx.store.listSessions(sub, now)).toEqual([]);
      for (const { session, access } of [...sessions, late])
        expect(await ctx.other.isRevoked(access.jti, session.sid)).toBe(true);
      expect(await ctx.store.isRevoked(bystander.access.jti, bystander.session.sid)).toBe(false);
      expect(await ctx.store.revokeSubject(sub, now)).toEqual([]);
      expect(await ctx.store.revokeSubject(subject(), now)).toEqual([]);
    });

    it('keeps each revocation for the leeway past its expiry, through purges', async () => {
      const now = nowSeconds();
      const sub = subject();
      const a = await ctx.open(subject(), now, { ttl: 100, access: 50 });
      const b = await ctx.open(subject(), now, { ttl: 100, access: 50 });
      const c = await ctx.open(sub, now, { ttl: 100, access: 50 });
      const d = await ctx.open(subject(), now, { ttl: 100, access: 50 });
      const { cursor } = await ctx.store.revocationsSince(undefined, now);
      await ctx.store.revokeToken(a.access.jti, now, 30);
      await ctx.other.revokeSession(b.session.sid, now, 30);
      await ctx.store.revokeSubject(sub, now, 30);
      await ctx.store.rotateRefreshToken(
        rotation(d, now, { tokens: [], sessionExpiresAt: now + 100 }),
      );
      expect(
        await ctx.other.rotateRefreshToken(
          rotation(d, now, { tokens: [], sessionExpiresAt: now + 100, leeway: 30 }),
        ),
      ).toBe('reused');
      expect((await ctx.other.revocationsSince(cursor, now)).entries).toEqual([
        { kind: 'token', id: a.access.jti, expiresAt: now + 50 + 30 },
        { kind: 'session', id: b.session.sid, expiresAt: now + 100 + 30 },
        { kind: 'session', id: c.session.sid, expiresAt: now + 100 + 30 },
        { kind: 'session', id: d.session.sid, expiresAt: now + 100 + 30 },
      ]);
      // Past the expiry but within the leeway: a purge keeps them, a cold start still gets them.
      await ctx.store.purgeExpired(now + 101);
      const cold = await ctx.other.revocationsSince(undefined, now + 101);
      expect(cold.entries.map((e) => e.id)).toEqual(
        expect.arrayContaining([b.session.sid, c.session.sid, d.session.sid]),
      );
    });

    it('answers false for what it never recorded', async () => {
      expect(await ctx.store.isRevoked(randomUUID(), randomUUID())).toBe(false);
    });
  });

  describe('revocationsSince', () => {
    it('replays revocations after a cursor, to any instance', async () => {
      const now = nowSeconds();
      const a = await ctx.open();
      const b = await ctx.open();
      const start = await ctx.other.revocationsSince(undefined, now);
      expect(typeof start.cursor).toBe('string');
      await ctx.store.revokeToken(a.access.jti, now);
      await ctx.store.revokeSession(b.session.sid, now);
      const batch = await ctx.other.revocationsSince(start.cursor, now);
      expect(batch.entries).toEqual([
        { kind: 'token', id: a.access.jti, expiresAt: a.access.expiresAt },
        { kind: 'session', id: b.session.sid, expiresAt: expect.any(Number) },
      ]);
      expect(batch.entries[1]!.expiresAt).toBeGreaterThanOrEqual(b.session.expiresAt);
      expect(batch.cursor).not.toBe(start.cursor);
      const after = await ctx.other.revocationsSince(batch.cursor, now);
      expect(after).toEqual({ cursor: batch.cursor, entries: [] });
    });

    it('gives every still-relevant revocation to a cold start, and drops expired ones', async () => {
      const now = nowSeconds();
      const short = await ctx.open(subject(), now, { access: 60 });
      const long = await ctx.open();
      await ctx.store.revokeToken(short.access.jti, now);
      await ctx.store.revokeToken(long.access.jti, now);
      const cold = await ctx.other.revocationsSince(undefined, now);
      const ids = cold.entries.map((e) => e.id);
      expect(ids).toEqual(expect.arrayContaining([short.access.jti, long.access.jti]));
      const later = await ctx.other.revocationsSince(undefined, now + 120);
      expect(later.entries.map((e) => e.id)).not.toContain(short.access.jti);
      expect(later.entries.map((e) => e.id)).toContain(long.access.jti);
    });

    it('keeps the session entry as long as any token of the session lives', async () => {
      const now = nowSeconds();
      const { session, refresh } = await ctx.open(subject(), now, { ttl: HOUR });
      // A refresh without rotation can mint an access token outliving the refresh token.
      const late = { ...successors(refresh, now + 3000)[1]!, expiresAt: now + HOUR + 600 };
      await ctx.store.rotateRefreshToken(
        rotation({ session, refresh }, now + 3000, {
          tokens: [late],
          retire: false,
          sessionExpiresAt: refresh.expiresAt,
        }),
      );
      const { cursor } = await ctx.store.revocationsSince(undefined, now);
      await ctx.store.revokeSession(session.sid, now + 3000);
      const [entry] = (await ctx.other.revocationsSince(cursor, now)).entries;
      expect(entry).toEqual({ kind: 'session', id: session.sid, expiresAt: expect.any(Number) });
      expect(entry!.expiresAt).toBe(late.expiresAt);
    });

    it('ignores a cursor it did not make, replaying all that is still relevant', async () => {
      const now = nowSeconds();
      const { access } = await ctx.open();
      await ctx.store.revokeToken(access.jti, now);
      const batch = await ctx.store.revocationsSince('not-a-cursor', now);
      expect(typeof batch.cursor).toBe('string');
      expect(batch.entries).toContainEqual({
        kind: 'token',
        id: access.jti,
        expiresAt: access.expiresAt,
      });
    });
  });

  describe('watchRevocations', () => {
    it('tells listeners soon after any instance revokes, until they unsubscribe', async () => {
      expect(typeof ctx.store.watchRevocations).toBe('function');
      const calls: number[] = [];
      const unsubscribe = await ctx.store.watchRevocations!(() => calls.push(Date.now()));
      await new Promise((resolve) => setTimeout(resolve, 200)); // let the subscription settle
      const { session } = await ctx.open();
      const started = Date.now();
      await ctx.other.revokeSession(session.sid, nowSeconds());
      await within(2000, () => calls.length > 0);
      expect(calls[0]! - started).toBeLessThan(1000);
      await unsubscribe();
      const seen = calls.length;
      await ctx.other.revokeSession((await ctx.open()).session.sid, nowSeconds());
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(calls.length).toBe(seen);
    });
  });

  describe('expiry', () => {
    it('stops reporting a session and its tokens as live once they expire', async () => {
      const now = nowSeconds();
      const sub = subject();
      const { session, access } = await ctx.open(sub, now, { ttl: 1, access: 1 });
      expect((await ctx.store.listSessions(sub, now)).map((s) => s.sid)).toEqual([session.sid]);
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const later = nowSeconds();
      expect(await ctx.store.listSessions(sub, later)).toEqual([]);
      expect(
        await ctx.store.listTokens({ sid: session.sid, status: 'active', now: later }),
      ).toEqual([]);
      const found = await ctx.store.findToken(access.jti);
      // Gone (native TTL) or still there but expired (until purgeExpired).
      if (found) expect(found.expiresAt).toBeLessThanOrEqual(later);
    });
  });

  describe('purgeExpired', () => {
    it('deletes tokens, sessions and revocations that expired before the given time', async () => {
      const now = nowSeconds();
      const old = await ctx.open(subject(), now, { ttl: 100, access: 50 });
      const kept = await ctx.open(subject(), now, { ttl: 10 * HOUR, access: 9 * HOUR });
      await ctx.store.revokeToken(old.access.jti, now);
      await ctx.store.revokeToken(kept.access.jti, now);
      const purged = await ctx.other.purgeExpired(now + 200);
      expect(purged).toBeGreaterThanOrEqual(3);
      expect(await ctx.store.findToken(old.access.jti)).toBeUndefined();
      expect(await ctx.store.findToken(old.refresh.jti)).toBeUndefined();
      expect(await ctx.store.findSession(old.session.sid)).toBeUndefined();
      expect(await ctx.store.findToken(kept.access.jti)).toBeDefined();
      expect(await ctx.store.findSession(kept.session.sid)).toBeDefined();
      const ids = (await ctx.store.revocationsSince(undefined, now)).entries.map((e) => e.id);
      expect(ids).not.toContain(old.access.jti);
      expect(ids).toContain(kept.access.jti);
      expect(await ctx.store.purgeExpired(now + 200)).toBe(0);
    });
  });
}
