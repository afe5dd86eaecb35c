import type { JsonWebKey } from 'node:crypto';
import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { claims, forge, keyPair, segment, type KeyKind } from '../../test/utils/keys.js';
import { ServiceUnavailableError, TokenInvalidError } from '../errors/jwt-security.errors.js';
import type { JwtObjectType, VerifiedToken } from '../interfaces/jwt-claims.interface.js';
import type { AuthorityClient } from '../services/authority-client.service.js';
import { KeyRing } from './key-ring.js';
import { ProxyVerifier, type ProxyVerifierOptions } from './proxy-verifier.js';
import { TokenCodec } from './token-codec.js';

const INTERVAL_MS = 10_000;
const MAX_AGE_MS = 300_000;

/**
 * What the proxy sees of its authority: a JWKS (or `undefined`: none published) and a claims
 * route, both counted. `down` makes every call fail as an unreachable authority does.
 */
class FakeAuthority {
  jwksAnswer: unknown = undefined;
  claimsAnswer: (token: string) => Record<string, unknown> = () => claims();
  down = false;
  jwksCalls = 0;
  claimsCalls = 0;
  /** Holds claims answers back until `release()`, to show concurrent callers share one. */
  private held?: Promise<void>;
  private release_?: () => void;

  hold(): void {
    this.held = new Promise((resolve) => (this.release_ = resolve));
  }

  release(): void {
    this.release_?.();
    this.held = undefined;
  }

  readonly client = {
    jwks: async (): Promise<unknown> => {
      this.jwksCalls++;
      if (this.down) throw new ServiceUnavailableError();
      return this.jwksAnswer;
    },
    claims: async (token: string, _expect: JwtObjectType | undefined) => {
      this.claimsCalls++;
      if (this.held) await this.held;
      if (this.down) throw new ServiceUnavailableError();
      return this.claimsAnswer(token);
    },
  } as unknown as AuthorityClient;
}

let now = 1_800_000_000_000;
beforeEach(() => {
  jest.spyOn(Date, 'now').mockImplementation(() => now);
});
afterEach(() => jest.restoreAllMocks());

function quietLogger(): Logger {
  const logger = new Logger('test');
  for (const level of ['log', 'warn', 'error'] as const) {
    jest.spyOn(logger, level).mockImplementation(() => undefined);
  }
  return logger;
}

function verifier(authority: FakeAuthority, options: Partial<ProxyVerifierOptions> = {}) {
  return new ProxyVerifier(
    authority.client,
    new KeyRing(undefined, undefined, []),
    {
      algorithms: ['ES256'],
      leeway: 0,
      maxTokenSize: 8192,
      cacheSize: 100,
      refetchIntervalMs: INTERVAL_MS,
      maxAgeMs: MAX_AGE_MS,
      claimsTtlMs: 5000,
      ...options,
    },
    quietLogger(),
  );
}

function jwk(kind: KeyKind, kid: string): Record<string, unknown> {
  const key = keyPair(kind).publicKey.export({ format: 'jwk' }) as JsonWebKey;
  return { ...key, kid, alg: 'ES256', use: 'sig' };
}

/** An ES256 token of key `kind` under `kid`, with claims valid at the mocked clock. */
function signed(kind: KeyKind, kid: string): string {
  const at = Math.floor(now / 1000);
  return forge(
    { alg: 'ES256', typ: 'JWT', kid },
    claims({ iat: at, exp: at + 3600 }),
    keyPair(kind).privateKey,
  );
}

/** A token whose signature only the authority can check (claims route mode). */
function opaque(payload: Record<string, unknown> = {}): string {
  return `${segment({ alg: 'HS256', typ: 'JWT' })}.${segment({ ...payload, n: Math.random() })}.c2ln`;
}

type Outcome = VerifiedToken | Promise<VerifiedToken>;

/** The error code `run` fails with (thrown at once or rejected), or undefined when it passes. */
async function code(run: Outcome | (() => Outcome)): Promise<string | undefined> {
  try {
    await (typeof run === 'function' ? run() : run);
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

/** Lets pending promise callbacks (background fetches) run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ProxyVerifier with the authority’s JWKS', () => {
  let authority: FakeAuthority;
  let proxy: ProxyVerifier;

  beforeEach(async () => {
    authority = new FakeAuthority();
    authority.jwksAnswer = { keys: [jwk('p256', 'a')] };
    proxy = verifier(authority);
    await proxy.start();
  });

  it('fetches once at start and verifies known kids without asking again', () => {
    for (let i = 0; i < 5; i++) {
      const result = proxy.verify(signed('p256', 'a'), 'access');
      expect(result).not.toBeInstanceOf(Promise);
    }
    expect(authority.jwksCalls).toBe(1);
  });

  it('a known token is left to the codec: its header is not read once more', () => {
    const knowsKeyOf = jest.spyOn(TokenCodec.prototype, 'knowsKeyOf');
    const token = signed('p256', 'a');
    for (let i = 0; i < 3; i++) expect(proxy.verify(token, 'access')).not.toBeInstanceOf(Promise);
    expect(knowsKeyOf).not.toHaveBeenCalled();
  });

  it('an unknown kid fetches the keys once per interval, then is verified or refused', async () => {
    authority.jwksAnswer = { keys: [jwk('p256', 'a'), jwk('p256', 'b')] };
    // Within the interval of the start-up fetch: refused at once, nothing fetched.
    expect(await code(() => proxy.verify(signed('p256', 'b'), 'access'))).toBe('token_invalid');
    expect(authority.jwksCalls).toBe(1);
    now += INTERVAL_MS;
    const rotated = proxy.verify(signed('p256', 'b'), 'access');
    expect(rotated).toBeInstanceOf(Promise);
    expect((await rotated).header.kid).toBe('b');
    expect(authority.jwksCalls).toBe(2);
    // Still unknown after that fetch: refused without another one.
    expect(await code(() => proxy.verify(signed('p256', 'c'), 'access'))).toBe('token_invalid');
    expect(authority.jwksCalls).toBe(2);
  });

  it('jwksMaxAge: once the keys are older, the next request fetches them in the background', async () => {
    const token = signed('p256', 'a');
    now += MAX_AGE_MS - 1;
    proxy.verify(token, 'access');
    await settle();
    expect(authority.jwksCalls).toBe(1);

    // The authority now also lists key b: the background fetch brings it in.
    authority.jwksAnswer = { keys: [jwk('p256', 'a'), jwk('p384', 'b')] };
    now += 2;
    const result = proxy.verify(token, 'access');
    expect(result).not.toBeInstanceOf(Promise); // the request itself does not wait
    await settle();
    expect(authority.jwksCalls).toBe(2);
    // A token of b is now known: verified at once, no further fetch.
    authority.jwksAnswer = { keys: [jwk('p256', 'a'), jwk('p256', 'b')] };
    now += MAX_AGE_MS + 1;
    proxy.verify(token, 'access');
    await settle();
    expect(authority.jwksCalls).toBe(3);
    const fresh = proxy.verify(signed('p256', 'b'), 'access');
    expect(fresh).not.toBeInstanceOf(Promise);
    expect((fresh as VerifiedToken).header.kid).toBe('b');
    expect(authority.jwksCalls).toBe(3);
  });

  it('jwksMaxAge with the authority down: one background fetch per interval, not per request', async () => {
    const token = signed('p256', 'a');
    authority.down = true;
    now += MAX_AGE_MS + 1;
    for (let i = 0; i < 50; i++) {
      // Known kid: still verified with the keys held, while the authority is down.
      expect(proxy.verify(token, 'access')).not.toBeInstanceOf(Promise);
      await settle();
    }
    expect(authority.jwksCalls).toBe(2);

    now += INTERVAL_MS - 1;
    for (let i = 0; i < 20; i++) proxy.verify(token, 'access');
    await settle();
    expect(authority.jwksCalls).toBe(2);

    now += 1;
    for (let i = 0; i < 20; i++) proxy.verify(token, 'access');
    await settle();
    expect(authority.jwksCalls).toBe(3);

    // Back up: the next allowed fetch succeeds and the keys are fresh again.
    authority.down = false;
    now += INTERVAL_MS;
    proxy.verify(token, 'access');
    await settle();
    expect(authority.jwksCalls).toBe(4);
    now += INTERVAL_MS;
    for (let i = 0; i < 20; i++) proxy.verify(token, 'access');
    await settle();
    expect(authority.jwksCalls).toBe(4);
  });

  it('an unknown kid right after a failed fetch answers 503 without another fetch', async () => {
    now += INTERVAL_MS;
    authority.down = true;
    expect(await code(() => proxy.verify(signed('p384', 'rotated'), 'access'))).toBe(
      'service_unavailable',
    );
    expect(await code(() => proxy.verify(signed('p384', 'rotated'), 'access'))).toBe(
      'service_unavailable',
    );
    expect(authority.jwksCalls).toBe(2);
  });

  it('a JWKS that is garbage verifies nothing and throws only the module’s errors', async () => {
    authority.jwksAnswer = { keys: [null, 'x', { kty: 'oct', k: 'AAAA', alg: 'HS256', kid: 'a' }] };
    now += INTERVAL_MS;
    expect(await code(() => proxy.verify(signed('p256', 'other'), 'access'))).toBe('token_invalid');
    authority.jwksAnswer = 'not a key set';
    now += INTERVAL_MS;
    expect(await code(() => proxy.verify(signed('p256', 'a'), 'access'))).toBe('token_invalid');
  });
});

describe('ProxyVerifier with the authority’s claims route (no JWKS)', () => {
  let authority: FakeAuthority;

  async function remote(options: Partial<ProxyVerifierOptions> = {}): Promise<ProxyVerifier> {
    const proxy = verifier(authority, { algorithms: ['HS256'], ...options });
    await proxy.start();
    return proxy;
  }

  const at = (): number => Math.floor(now / 1000);

  beforeEach(() => {
    authority = new FakeAuthority();
  });

  it('accepts what the authority vouches for, and reuses it within the TTL', async () => {
    const proxy = await remote();
    const token = opaque();
    expect((await proxy.verify(token, 'access')).claims.sub).toBe('users:user1');
    expect(proxy.verify(token, 'access')).not.toBeInstanceOf(Promise);
    expect(authority.claimsCalls).toBe(1);
  });

  it.each<[string, Partial<ProxyVerifierOptions>, Record<string, unknown>, string | undefined]>([
    ['the audience it requires', { audience: 'mine' }, { aud: 'mine' }, undefined],
    ['its audience among several', { audience: 'mine' }, { aud: ['x', 'mine'] }, undefined],
    ['another audience', { audience: 'mine' }, { aud: 'theirs' }, 'token_invalid'],
    ['audiences without its own', { audience: 'mine' }, { aud: ['x', 'y'] }, 'token_invalid'],
    ['no audience', { audience: 'mine' }, {}, 'token_invalid'],
    ['the issuer it requires', { issuer: 'https://sso' }, { iss: 'https://sso' }, undefined],
    ['another issuer', { issuer: 'https://sso' }, { iss: 'https://evil' }, 'token_invalid'],
    ['no issuer', { issuer: 'https://sso' }, {}, 'token_invalid'],
  ])('claims with %s', async (_name, options, extra, expected) => {
    authority.claimsAnswer = () => claims(extra);
    const proxy = await remote(options);
    expect(await code(() => proxy.verify(opaque(), 'access'))).toBe(expected);
  });

  it('exp past on the first answer: token_expired, beyond the leeway only', async () => {
    authority.claimsAnswer = () => claims({ iat: at() - 100, exp: at() - 30 });
    expect(await code((await remote()).verify(opaque(), 'access'))).toBe('token_expired');
    expect(await code((await remote({ leeway: 60 })).verify(opaque(), 'access'))).toBeUndefined();
    authority.claimsAnswer = () => claims({ iat: at() - 100, exp: at() - 61 });
    expect(await code((await remote({ leeway: 60 })).verify(opaque(), 'access'))).toBe(
      'token_expired',
    );
  });

  it('nbf ahead: token_invalid, beyond the leeway only', async () => {
    authority.claimsAnswer = () => claims({ nbf: at() + 30 });
    expect(await code((await remote()).verify(opaque(), 'access'))).toBe('token_invalid');
    expect(await code((await remote({ leeway: 60 })).verify(opaque(), 'access'))).toBeUndefined();
  });

  it('a refused answer is not cached: asked again each time', async () => {
    authority.claimsAnswer = () => claims({ exp: at() - 1 });
    const proxy = await remote();
    const token = opaque();
    expect(await code(() => proxy.verify(token, 'access'))).toBe('token_expired');
    expect(await code(() => proxy.verify(token, 'access'))).toBe('token_expired');
    expect(authority.claimsCalls).toBe(2);
  });

  it('a cached answer expires with its token: token_expired, within the TTL too', async () => {
    authority.claimsAnswer = () => claims({ exp: at() + 2 });
    const proxy = await remote({ claimsTtlMs: 60_000 });
    const token = opaque();
    expect(await code(() => proxy.verify(token, 'access'))).toBeUndefined();
    now += 3000;
    expect(await code(() => proxy.verify(token, 'access'))).toBe('token_expired');
  });

  it('claims of the wrong shape are refused', async () => {
    authority.claimsAnswer = () => ({ sub: 42, exp: 'soon' });
    expect(await code((await remote()).verify(opaque(), 'access'))).toBe('token_invalid');
  });

  it('concurrent requests with the same token share one claims request', async () => {
    const proxy = await remote();
    const token = opaque();
    authority.hold();
    const pending = Array.from({ length: 20 }, () => proxy.verify(token, 'access'));
    authority.release();
    const results = await Promise.all(pending);
    expect(new Set(results.map((r) => r.claims.jti)).size).toBe(1);
    expect(authority.claimsCalls).toBe(1);
    // A refusal is shared the same way, and forgotten once answered.
    const other = opaque();
    authority.hold();
    authority.down = true;
    const refused = Array.from({ length: 10 }, () => code(() => proxy.verify(other, 'access')));
    authority.release();
    expect(new Set(await Promise.all(refused))).toEqual(new Set(['service_unavailable']));
    expect(authority.claimsCalls).toBe(2);
    authority.down = false;
    expect(await code(() => proxy.verify(other, 'access'))).toBeUndefined();
    expect(authority.claimsCalls).toBe(3);
  });

  it('the same token asked as access and as refresh: two requests, one per kind', async () => {
    const proxy = await remote();
    const token = opaque();
    authority.hold();
    const both = [proxy.verify(token, 'access'), proxy.verify(token, 'refresh')];
    authority.release();
    await Promise.all(both);
    expect(authority.claimsCalls).toBe(2);
  });

  it('an error that is not the module’s becomes token_invalid', async () => {
    authority.claimsAnswer = () => {
      throw new TypeError('boom');
    };
    const proxy = await remote();
    await expect(proxy.verify(opaque(), 'access')).rejects.toBeInstanceOf(TokenInvalidError);
  });
});
