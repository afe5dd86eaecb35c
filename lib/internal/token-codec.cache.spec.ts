import { codecFor } from '../../test/utils/codec.js';
import { claims, forge, SECRET } from '../../test/utils/keys.js';
import { TokenExpiredError } from '../errors/jwt-security.errors.js';
import type { TokenCodec } from './token-codec.js';

/** A distinct valid HS256 token per `n`. */
function token(n: number, overrides: Record<string, unknown> = {}): string {
  return forge({ alg: 'HS256', typ: 'JWT' }, claims({ jti: `jti-${n}`, ...overrides }), SECRET);
}

/** Peeks at the codec's private cache size: the bound is the behaviour under test. */
function cacheSize(codec: TokenCodec): number {
  return (codec as unknown as { cache: Map<string, unknown> }).cache.size;
}

describe('TokenCodec: verified-token cache', () => {
  it('answers a repeated token from the cache', async () => {
    const { codec } = await codecFor('HS256');
    const t = token(1);
    const first = codec.verify(t);
    expect(codec.verify(t)).toBe(first);
    expect(codec.verify(t)).toBe(first);
  });

  it('refuses a cached token once it expires, and forgets it', async () => {
    const { codec } = await codecFor('HS256');
    const exp = Math.floor(Date.now() / 1000) + 60;
    const t = token(1, { exp });
    const first = codec.verify(t);
    expect(codec.verify(t, exp * 1000)).toBe(first);
    expect(() => codec.verify(t, exp * 1000 + 1)).toThrow(TokenExpiredError);
    expect(cacheSize(codec)).toBe(0);
  });

  it('applies the leeway to cached tokens too', async () => {
    const { codec } = await codecFor('HS256', { leeway: 5 });
    const exp = Math.floor(Date.now() / 1000) + 60;
    const t = token(1, { exp });
    const first = codec.verify(t);
    expect(codec.verify(t, exp * 1000 + 4_000)).toBe(first);
    expect(() => codec.verify(t, exp * 1000 + 6_000)).toThrow(TokenExpiredError);
  });

  it('refuses a cached token that really expired (short wait)', async () => {
    const { codec } = await codecFor('HS256');
    const exp = Math.floor(Date.now() / 1000) + 2;
    const t = token(1, { exp });
    const first = codec.verify(t);
    expect(codec.verify(t)).toBe(first);
    await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 50));
    expect(() => codec.verify(t)).toThrow(TokenExpiredError);
    // And again, now that it is out of the cache and goes through the full check.
    expect(() => codec.verify(t)).toThrow(TokenExpiredError);
  }, 10_000);

  it('never grows beyond cacheSize, evicting the oldest entries', async () => {
    const { codec } = await codecFor('HS256', { cacheSize: 3 });
    const tokens = Array.from({ length: 10 }, (_, n) => token(n));
    const results = tokens.map((t) => {
      const verified = codec.verify(t);
      expect(cacheSize(codec)).toBeLessThanOrEqual(3);
      return verified;
    });
    expect(cacheSize(codec)).toBe(3);
    // The three newest are still cached...
    for (const n of [9, 8, 7]) expect(codec.verify(tokens[n]!)).toBe(results[n]);
    // ...the oldest was evicted and is checked again.
    const again = codec.verify(tokens[0]!);
    expect(again).not.toBe(results[0]);
    expect(again).toEqual(results[0]);
    expect(cacheSize(codec)).toBe(3);
  });

  it('is disabled by cacheSize 0', async () => {
    const { codec } = await codecFor('HS256', { cacheSize: 0 });
    const t = token(1);
    const first = codec.verify(t);
    const second = codec.verify(t);
    expect(second).not.toBe(first);
    expect(second).toEqual(first);
    expect(cacheSize(codec)).toBe(0);
  });

  it('does not remember refusals', async () => {
    const { codec } = await codecFor('HS256');
    const expired = token(1, { exp: Math.floor(Date.now() / 1000) - 10 });
    expect(() => codec.verify(expired)).toThrow(TokenExpiredError);
    expect(cacheSize(codec)).toBe(0);
  });

  it('forgets everything on clearCache()', async () => {
    const { codec } = await codecFor('HS256');
    const t = token(1);
    const first = codec.verify(t);
    codec.clearCache();
    expect(cacheSize(codec)).toBe(0);
    expect(codec.verify(t)).not.toBe(first);
  });
});
