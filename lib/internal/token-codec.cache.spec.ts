import { codecFor } from '../../test/utils/codec.js';
import { claims, forge, SECRET } from '../../test/utils/keys.js';
import { TokenExpiredError, TokenInvalidError } from '../errors/jwt-security.errors.js';
import type { TokenCodec } from './token-codec.js';

/** A distinct valid HS256 token per `n`. */
function token(n: number, overrides: Record<string, unknown> = {}): string {
  return forge({ alg: 'HS256', typ: 'JWT' }, claims({ jti: `jti-${n}`, ...overrides }), SECRET);
}

/** Verifies `t` twice, so that it is admitted into the cache; returns the cached result. */
function cached(codec: TokenCodec, t: string) {
  codec.verify(t);
  return codec.verify(t);
}

/** Peeks at the codec's private cache size: the bound is the behaviour under test. */
function cacheSize(codec: TokenCodec): number {
  return (codec as unknown as { cache: Map<string, unknown> }).cache.size;
}

describe('TokenCodec: verified-token cache', () => {
  it('answers a repeated token from the cache, from its second verification on', async () => {
    const { codec } = await codecFor('HS256');
    const t = token(1);
    const first = codec.verify(t);
    const second = codec.verify(t);
    expect(second).not.toBe(first);
    expect(second).toEqual(first);
    expect(codec.verify(t)).toBe(second);
    expect(codec.verify(t)).toBe(second);
  });

  it('keeps one-off tokens out of the cache (admission on the second verification)', async () => {
    const { codec } = await codecFor('HS256', { cacheSize: 10 });
    for (let n = 0; n < 500; n++) codec.verify(token(n));
    expect(cacheSize(codec)).toBe(0);
    // A token used again soon after is admitted (a slot of the filter may since hold another
    // token's fingerprint: a token seen once long ago may need a third verification).
    const reused = token(1000);
    codec.verify(reused);
    expect(cacheSize(codec)).toBe(0);
    codec.verify(reused);
    expect(cacheSize(codec)).toBe(1);
  });

  it('answers only for the very same string: a tampered token with the same tail is refused', async () => {
    const { codec } = await codecFor('HS256');
    const good = token(1);
    const first = cached(codec, good);
    const [, payload, signature] = good.split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(payload!, 'base64url').toString()),
        sub: 'users:admin',
      }),
    ).toString('base64url');
    const forged = `${good.slice(0, good.indexOf('.'))}.${forgedPayload}.${signature}`;
    expect(forged.slice(-32)).toBe(good.slice(-32));
    expect(() => codec.verify(forged)).toThrow(TokenInvalidError);
    expect(codec.verify(good)).toBe(first);
    expect(cacheSize(codec)).toBe(1);
  });

  it('admits only tokens that verified: a refused token never primes the filter', async () => {
    const { codec } = await codecFor('HS256');
    const good = token(1);
    const bad = `${good.slice(0, good.lastIndexOf('.') + 1)}${'A'.repeat(43)}`;
    for (let i = 0; i < 3; i++) expect(() => codec.verify(bad)).toThrow();
    expect(cacheSize(codec)).toBe(0);
  });

  it('refuses a cached token once it expires, and forgets it', async () => {
    const { codec } = await codecFor('HS256');
    const exp = Math.floor(Date.now() / 1000) + 60;
    const t = token(1, { exp });
    const first = cached(codec, t);
    expect(codec.verify(t, exp * 1000)).toBe(first);
    expect(() => codec.verify(t, exp * 1000 + 1)).toThrow(TokenExpiredError);
    expect(cacheSize(codec)).toBe(0);
  });

  it('applies the leeway to cached tokens too', async () => {
    const { codec } = await codecFor('HS256', { leeway: 5 });
    const exp = Math.floor(Date.now() / 1000) + 60;
    const t = token(1, { exp });
    const first = cached(codec, t);
    expect(codec.verify(t, exp * 1000 + 4_000)).toBe(first);
    expect(() => codec.verify(t, exp * 1000 + 6_000)).toThrow(TokenExpiredError);
  });

  it('refuses a cached token that really expired (short wait)', async () => {
    const { codec } = await codecFor('HS256');
    const exp = Math.floor(Date.now() / 1000) + 2;
    const t = token(1, { exp });
    const first = cached(codec, t);
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
      const verified = cached(codec, t);
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
});
