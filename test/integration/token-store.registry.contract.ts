import { randomUUID } from 'node:crypto';
import type { RotateOutcome } from '../../lib/stores/token-store.js';
import {
  HOUR,
  active,
  nowSeconds,
  rotation,
  subject,
  successors,
  type ContractContext,
} from './token-store.contract-kit.js';

/** The registry: sessions and tokens as recorded, listed, and rotated. */
export function describeRegistryContract(ctx: ContractContext): void {
  describe('createSession, findSession, findToken', () => {
    it('records the session and its tokens as given, every token active', async () => {
      const now = nowSeconds();
      const { session, refresh, access } = await ctx.open(subject(), now, {
        ua: 'Mozilla/5.0 (X11)',
        ip: '203.0.113.7',
      });
      expect(await ctx.store.findSession(session.sid)).toEqual({ ...session, lastUsedAt: now });
      expect(await ctx.store.findToken(refresh.jti)).toEqual(active(refresh));
      expect(await ctx.store.findToken(access.jti)).toEqual(active(access));
      expect(await ctx.other.findToken(access.jti)).toEqual(active(access));
    });

    it('leaves user agent and IP out when unknown', async () => {
      const { session } = await ctx.open();
      const found = await ctx.store.findSession(session.sid);
      expect(found).toBeDefined();
      expect(found!.userAgent).toBeUndefined();
      expect(found!.ip).toBeUndefined();
    });

    it('answers undefined for what it never recorded', async () => {
      expect(await ctx.store.findSession(randomUUID())).toBeUndefined();
      expect(await ctx.store.findToken(randomUUID())).toBeUndefined();
    });

    it('keeps arbitrary subject and id text intact', async () => {
      const sub = `users:é "quoted" | pipe ${randomUUID()}`;
      const { session, access } = await ctx.open(sub);
      expect((await ctx.store.findSession(session.sid))?.sub).toBe(sub);
      expect((await ctx.store.findToken(access.jti))?.sub).toBe(sub);
      expect((await ctx.store.listSessions(sub, nowSeconds())).map((s) => s.sid)).toEqual([
        session.sid,
      ]);
    });
  });

  describe('listSessions', () => {
    it('lists live sessions of one subject, newest first', async () => {
      const sub = subject();
      const now = nowSeconds();
      const older = await ctx.open(sub, now - 20);
      const newer = await ctx.open(sub, now - 10);
      await ctx.open(); // another subject
      const sessions = await ctx.store.listSessions(sub, now);
      expect(sessions.map((s) => s.sid)).toEqual([newer.session.sid, older.session.sid]);
      expect(sessions[0]).toEqual({ ...newer.session, lastUsedAt: now - 10 });
    });

    it('leaves out revoked and expired sessions', async () => {
      const sub = subject();
      const now = nowSeconds();
      const kept = await ctx.open(sub, now, { ttl: 2 * HOUR });
      const revoked = await ctx.open(sub, now);
      const short = await ctx.open(sub, now, { ttl: HOUR });
      await ctx.store.revokeSession(revoked.session.sid, now);
      expect((await ctx.store.listSessions(sub, now)).map((s) => s.sid).sort()).toEqual(
        [kept.session.sid, short.session.sid].sort(),
      );
      expect((await ctx.store.listSessions(sub, now + HOUR)).map((s) => s.sid)).toEqual([
        kept.session.sid,
      ]);
      expect(await ctx.store.listSessions(subject(), now)).toEqual([]);
    });
  });

  describe('listTokens and tokenTree', () => {
    it('lists a session, oldest first, refresh before access within a second', async () => {
      const now = nowSeconds();
      const { session, refresh, access } = await ctx.open(subject(), now - 100);
      const next = successors(refresh, now);
      expect(
        await ctx.store.rotateRefreshToken(
          rotation({ session, refresh }, now, {
            tokens: next,
            sessionExpiresAt: next[0]!.expiresAt,
          }),
        ),
      ).toBe('rotated');
      const tokens = await ctx.store.listTokens({ sid: session.sid, now });
      expect(tokens.map((t) => t.jti)).toEqual([
        refresh.jti,
        access.jti,
        next[0]!.jti,
        next[1]!.jti,
      ]);
      expect(tokens[0]).toEqual({ ...refresh, state: 'retired', endedAt: now });
      expect(tokens[2]).toEqual(active(next[0]!));
    });

    it('filters by subject and by status at the given time', async () => {
      const sub = subject();
      const now = nowSeconds();
      const a = await ctx.open(sub, now, { access: 60 });
      const b = await ctx.open(sub, now, { access: 600 });
      await ctx.open();
      await ctx.store.revokeToken(b.refresh.jti, now);
      const all = await ctx.store.listTokens({ sub, now });
      expect(all.map((t) => t.jti).sort()).toEqual(
        [a.refresh, a.access, b.refresh, b.access].map((t) => t.jti).sort(),
      );
      expect(all.every((t) => t.sub === sub)).toBe(true);
      const live = await ctx.store.listTokens({ sub, status: 'active', now: now + 120 });
      expect(live.map((t) => t.jti).sort()).toEqual([a.refresh.jti, b.access.jti].sort());
      const expired = await ctx.store.listTokens({ sub, status: 'expired', now: now + 120 });
      expect(expired.map((t) => t.jti)).toEqual([a.access.jti]);
      const bySid = await ctx.store.listTokens({ sid: a.session.sid, status: 'active', now });
      expect(bySid.map((t) => t.jti)).toEqual([a.refresh.jti, a.access.jti]);
    });

    it('lists across subjects when no filter is given', async () => {
      const now = nowSeconds();
      const a = await ctx.open(subject(), now, { access: 60 });
      const b = await ctx.open(subject(), now, { access: 60 });
      const mine = new Set([a.access.jti, b.access.jti]);
      const expired = await ctx.store.listTokens({ status: 'expired', now: now + 120 });
      expect(expired.filter((t) => mine.has(t.jti))).toHaveLength(2);
      const live = await ctx.store.listTokens({ status: 'active', now: now + 120 });
      expect(live.filter((t) => mine.has(t.jti))).toHaveLength(0);
      expect(live.some((t) => t.jti === a.refresh.jti)).toBe(true);
      const everything = await ctx.store.listTokens({ now });
      expect(everything.filter((t) => mine.has(t.jti))).toHaveLength(2);
    });

    it('returns at most limit tokens: those that expire first, oldest first', async () => {
      const now = nowSeconds();
      const sub = subject();
      const first = await ctx.open(sub, now, { ttl: 4 * HOUR, access: 3 * HOUR });
      const second = await ctx.open(sub, now + 1, { ttl: 2 * HOUR, access: HOUR });
      const jtis = (tokens: { jti: string }[]) => tokens.map((t) => t.jti);
      // By expiry: second.access, second.refresh, first.access, first.refresh.
      expect(jtis(await ctx.store.listTokens({ sub, now, limit: 2 }))).toEqual([
        second.refresh.jti,
        second.access.jti,
      ]);
      expect(jtis(await ctx.other.listTokens({ sub, now, limit: 3 }))).toEqual([
        first.access.jti,
        second.refresh.jti,
        second.access.jti,
      ]);
      expect(jtis(await ctx.store.listTokens({ sid: first.session.sid, now, limit: 1 }))).toEqual([
        first.access.jti,
      ]);
      // Filters apply before the limit.
      await ctx.store.revokeToken(second.access.jti, now);
      expect(jtis(await ctx.store.listTokens({ sub, status: 'active', now, limit: 2 }))).toEqual([
        first.access.jti,
        second.refresh.jti,
      ]);
    });

    it('caps a listing across subjects the same way', async () => {
      const now = nowSeconds();
      // Sooner than anything the other tests of this contract record.
      const a = await ctx.open(subject(), now, { ttl: 22, access: 20 });
      const b = await ctx.open(subject(), now, { ttl: 23, access: 21 });
      const listed = await ctx.other.listTokens({ status: 'active', now, limit: 3 });
      expect(listed.map((t) => t.jti).sort()).toEqual(
        [a.access.jti, b.access.jti, a.refresh.jti].sort(),
      );
      await ctx.store.revokeToken(a.access.jti, now);
      expect(
        (await ctx.store.listTokens({ status: 'active', now, limit: 1 })).map((t) => t.jti),
      ).toEqual([b.access.jti]);
    });

    it('defaults the limit to 1000 and reads large sessions whole when asked', async () => {
      const now = nowSeconds();
      const { session, refresh } = await ctx.open(subject(), now, {
        ttl: 4 * HOUR,
        access: 4 * HOUR,
      });
      // 1000 more tokens, most sharing their expiry with many others.
      const many = Array.from({ length: 1000 }, (_, i) => ({
        ...successors(refresh, now)[1]!,
        expiresAt: now + HOUR + (i % 3),
      }));
      await ctx.store.rotateRefreshToken(
        rotation({ session, refresh }, now, {
          tokens: many,
          retire: false,
          sessionExpiresAt: refresh.expiresAt,
        }),
      );
      const capped = await ctx.other.listTokens({ sid: session.sid, now });
      expect(capped).toHaveLength(1000);
      expect(new Set(capped.map((t) => t.jti))).toEqual(new Set(many.map((t) => t.jti)));
      const all = await ctx.store.listTokens({ sid: session.sid, now, limit: Infinity });
      expect(new Set(all.map((t) => t.jti)).size).toBe(1002);
      expect(await ctx.store.tokenTree(refresh.jti)).toHaveLength(1002);
      expect(await ctx.other.listTokens({ sub: session.sub, now, limit: 1001 })).toHaveLength(1001);
    });

    it('returns the whole tree of any token of a session, with parent links', async () => {
      const now = nowSeconds();
      const { session, refresh, access } = await ctx.open(subject(), now - 50);
      const next = successors(refresh, now);
      await ctx.store.rotateRefreshToken(
        rotation({ session, refresh }, now, { tokens: next, sessionExpiresAt: next[0]!.expiresAt }),
      );
      const tree = await ctx.other.tokenTree(next[1]!.jti);
      expect(tree.map((t) => t.jti)).toEqual([refresh.jti, access.jti, next[0]!.jti, next[1]!.jti]);
      expect(tree.map((t) => t.parent)).toEqual([undefined, refresh.jti, refresh.jti, refresh.jti]);
      expect(await ctx.store.tokenTree(access.jti)).toEqual(tree);
      expect(await ctx.store.tokenTree(randomUUID())).toEqual([]);
    });
  });

  describe('rotateRefreshToken', () => {
    it('retires the presented token, records its successors and extends the session', async () => {
      const now = nowSeconds();
      const { session, refresh } = await ctx.open(subject(), now - 30, { ttl: HOUR });
      const next = successors(refresh, now, 2 * HOUR);
      const outcome = await ctx.store.rotateRefreshToken(
        rotation({ session, refresh }, now, { tokens: next, sessionExpiresAt: now + 2 * HOUR }),
      );
      expect(outcome).toBe('rotated');
      expect(await ctx.other.findToken(refresh.jti)).toEqual({
        ...refresh,
        state: 'retired',
        endedAt: now,
      });
      expect(await ctx.other.findToken(next[0]!.jti)).toEqual(active(next[0]!));
      expect(await ctx.other.findSession(session.sid)).toEqual({
        ...session,
        lastUsedAt: now,
        expiresAt: now + 2 * HOUR,
      });
      expect(await ctx.store.isRevoked(refresh.jti, session.sid)).toBe(false);
    });

    it('never shortens the session', async () => {
      const now = nowSeconds();
      const { session, refresh } = await ctx.open(subject(), now, { ttl: 2 * HOUR });
      const next = successors(refresh, now, HOUR);
      await ctx.store.rotateRefreshToken(rotation({ session, refresh }, now, { tokens: next }));
      expect((await ctx.store.findSession(session.sid))?.expiresAt).toBe(now + 2 * HOUR);
    });

    it('revokes the whole session when a retired token comes back (reuse)', async () => {
      const now = nowSeconds();
      const { session, refresh, access } = await ctx.open(subject(), now - 10);
      const next = successors(refresh, now);
      await ctx.store.rotateRefreshToken(rotation({ session, refresh }, now, { tokens: next }));
      expect(
        await ctx.other.rotateRefreshToken(
          rotation({ session, refresh }, now + 1, { sessionExpiresAt: now + HOUR }),
        ),
      ).toBe('reused');
      expect((await ctx.store.findSession(session.sid))?.revokedAt).toBe(now + 1);
      const tree = await ctx.store.tokenTree(refresh.jti);
      expect(tree.map((t) => t.jti)).toEqual([refresh.jti, access.jti, ...next.map((t) => t.jti)]);
      expect(tree.every((t) => t.state === 'revoked')).toBe(true);
      expect(tree[0]!.endedAt).toBe(now); // retired first: keeps when it ended
      expect(tree[3]!.endedAt).toBe(now + 1);
      expect(await ctx.store.isRevoked(next[1]!.jti, session.sid)).toBe(true);
      expect(
        await ctx.store.rotateRefreshToken(
          rotation({ session, refresh: next[0]! }, now + 2, { sessionExpiresAt: now + HOUR }),
        ),
      ).toBe('session_revoked');
    });

    it('refuses a retired token within the reuse grace as superseded, keeping the session', async () => {
      const now = nowSeconds();
      const { session, refresh } = await ctx.open(subject(), now - 10);
      const next = successors(refresh, now);
      const rotate = (at: number, store = ctx.store) =>
        store.rotateRefreshToken(
          rotation({ session, refresh }, at, { sessionExpiresAt: now + HOUR, reuseGrace: 5 }),
        );
      await ctx.store.rotateRefreshToken(
        rotation({ session, refresh }, now, { tokens: next, reuseGrace: 5 }),
      );
      expect(await rotate(now + 5, ctx.other)).toBe('superseded');
      expect((await ctx.store.findSession(session.sid))?.revokedAt).toBeUndefined();
      expect(await ctx.store.isRevoked(next[1]!.jti, session.sid)).toBe(false);
      expect(await rotate(now + 6)).toBe('reused');
      expect((await ctx.store.findSession(session.sid))?.revokedAt).toBe(now + 6);
    });

    it('keeps the winner of 50 racing rotations alive when they fall within the grace', async () => {
      const now = nowSeconds();
      const { session, refresh } = await ctx.open();
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          (i % 2 === 0 ? ctx.store : ctx.other).rotateRefreshToken(
            rotation({ session, refresh }, now, { reuseGrace: 10 }),
          ),
        ),
      );
      expect(outcomes.filter((o) => o === 'rotated')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'superseded')).toHaveLength(49);
      expect((await ctx.store.findSession(session.sid))?.revokedAt).toBeUndefined();
    });

    it('keeps the token active without retire, and can be repeated', async () => {
      const now = nowSeconds();
      const { session, refresh } = await ctx.open();
      for (const at of [now, now + 1]) {
        const next = successors(refresh, at).slice(1);
        expect(
          await ctx.store.rotateRefreshToken(
            rotation({ session, refresh }, at, {
              tokens: next,
              retire: false,
              sessionExpiresAt: refresh.expiresAt,
            }),
          ),
        ).toBe('rotated');
      }
      expect((await ctx.store.findToken(refresh.jti))?.state).toBe('active');
      expect((await ctx.store.findSession(session.sid))?.lastUsedAt).toBe(now + 1);
      expect(await ctx.store.tokenTree(refresh.jti)).toHaveLength(4);
    });

    it("answers 'unknown' for an unrecorded token or the wrong session", async () => {
      const now = nowSeconds();
      const { session, refresh } = await ctx.open();
      const mine = await ctx.open();
      const input = rotation({ session, refresh }, now);
      expect(await ctx.store.rotateRefreshToken({ ...input, jti: randomUUID() })).toBe('unknown');
      expect(await ctx.store.rotateRefreshToken({ ...input, sid: mine.session.sid })).toBe(
        'unknown',
      );
      expect(await ctx.store.rotateRefreshToken({ ...input, sid: randomUUID() })).toBe('unknown');
      expect((await ctx.store.findToken(refresh.jti))?.state).toBe('active');
      expect(await ctx.store.findToken(input.tokens[0]!.jti)).toBeUndefined();
    });

    it("answers 'revoked' for a revoked token, 'session_revoked' for a revoked session, recording nothing", async () => {
      const now = nowSeconds();
      const a = await ctx.open();
      const b = await ctx.open();
      const c = await ctx.open();
      await ctx.store.revokeToken(a.refresh.jti, now);
      await ctx.store.revokeSession(b.session.sid, now);
      await ctx.store.revokeToken(c.refresh.jti, now);
      await ctx.store.revokeSession(c.session.sid, now);
      const cases = [
        [a, 'revoked'],
        [b, 'session_revoked'],
        [c, 'session_revoked'],
      ] as const;
      for (const [{ session, refresh }, outcome] of cases) {
        const tokens = successors(refresh, now);
        expect(
          await ctx.other.rotateRefreshToken(rotation({ session, refresh }, now, { tokens })),
        ).toBe(outcome);
        expect(await ctx.store.findToken(tokens[0]!.jti)).toBeUndefined();
      }
      // A token-only revocation leaves the session and its other tokens alone.
      expect((await ctx.store.findSession(a.session.sid))?.revokedAt).toBeUndefined();
      expect(await ctx.store.isRevoked(a.access.jti, a.session.sid)).toBe(false);
    });

    it('rotates exactly once when 50 rotations of one token race (across instances)', async () => {
      const now = nowSeconds();
      const { session, refresh, access } = await ctx.open();
      const attempts = Array.from({ length: 50 }, () => successors(refresh, now));
      const outcomes = await Promise.all(
        attempts.map((tokens, i) =>
          (i % 2 === 0 ? ctx.store : ctx.other).rotateRefreshToken(
            rotation({ session, refresh }, now, { tokens }),
          ),
        ),
      );
      const count = (o: RotateOutcome): number => outcomes.filter((x) => x === o).length;
      expect(count('rotated')).toBe(1);
      expect(count('reused')).toBe(1);
      expect(count('session_revoked')).toBe(48);
      const winner = attempts[outcomes.indexOf('rotated')]!;
      const tree = await ctx.store.tokenTree(refresh.jti);
      expect(tree.map((t) => t.jti).sort()).toEqual(
        [refresh.jti, access.jti, ...winner.map((t) => t.jti)].sort(),
      );
    });
  });
}
