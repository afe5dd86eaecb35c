import { claims, forge, SECRET, segment } from '../../test/utils/keys.js';
import { tokenModule, type TokenModule } from '../../test/utils/token-module.js';
import {
  JwtSecurityError,
  TokenExpiredError,
  TokenInvalidError,
  TokenMalformedError,
  TokenRevokedError,
  TokenWrongTypeError,
} from '../errors/jwt-security.errors.js';
import type { TokenPair } from '../interfaces/jwt-claims.interface.js';
import type { JwtSecurityModuleOptions } from '../interfaces/jwt-security-options.interface.js';

const hs256 = { algorithm: 'HS256', secret: SECRET } as const;

/** What `promise` rejected with; fails the test when it resolved. */
async function rejection(promise: Promise<unknown>): Promise<JwtSecurityError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(JwtSecurityError);
  return error as JwtSecurityError;
}

/** Records the pair's session in the store, as a login would. */
async function record(m: TokenModule, pair: TokenPair): Promise<void> {
  const { access, refresh } = pair;
  await m.store.createSession(
    { sid: access.sid, sub: access.sub, createdAt: access.iat, expiresAt: refresh!.exp },
    [access, refresh!].map((c) => ({
      jti: c.jti,
      sid: c.sid,
      sub: c.sub,
      obj: c.obj,
      issuedAt: c.iat,
      expiresAt: c.exp,
    })),
  );
}

async function withModule(
  options: JwtSecurityModuleOptions,
  run: (m: TokenModule) => Promise<void>,
) {
  const m = await tokenModule(options);
  try {
    await run(m);
  } finally {
    await m.close();
  }
}

describe('JwtTokenService.verify(): token type', () => {
  let m: TokenModule;
  let pair: TokenPair;
  beforeAll(async () => {
    m = await tokenModule(hs256);
    pair = m.tokens.issue({ sub: 'users:user1' });
  });
  afterAll(() => m.close());

  it('expects an access token by default', async () => {
    const error = await rejection(m.tokens.verify(pair.refreshToken!));
    expect(error).toBeInstanceOf(TokenWrongTypeError);
    expect(error).toMatchObject({ code: 'token_wrong_type', statusCode: 401 });
    expect(
      await rejection(Promise.resolve().then(() => m.tokens.check(pair.refreshToken!, 'access'))),
    ).toBeInstanceOf(TokenWrongTypeError);
  });

  it('refuses an access token where a refresh token is expected', async () => {
    expect(
      await rejection(m.tokens.verify(pair.accessToken, { expect: 'refresh' })),
    ).toBeInstanceOf(TokenWrongTypeError);
  });

  it('accepts either with expect: undefined', async () => {
    for (const token of [pair.accessToken, pair.refreshToken!]) {
      await expect(m.tokens.verify(token, { expect: undefined })).resolves.toMatchObject({ token });
      // The path the auth controller takes for GET /claims and POST /logout.
      expect((await m.tokens.check(token, undefined)).token).toBe(token);
    }
  });

  it('checks the type on cached tokens too', async () => {
    await m.tokens.verify(pair.accessToken);
    await m.tokens.verify(pair.accessToken);
    expect(
      await rejection(m.tokens.verify(pair.accessToken, { expect: 'refresh' })),
    ).toBeInstanceOf(TokenWrongTypeError);
  });

  it('passes on the codec refusals with their class', async () => {
    const none = `${segment({ alg: 'none', typ: 'JWT' })}.${segment(claims())}.`;
    expect(await rejection(m.tokens.verify(none))).toBeInstanceOf(TokenInvalidError);
    expect(await rejection(m.tokens.verify('abc'))).toBeInstanceOf(TokenMalformedError);
    const expired = forge(
      { alg: 'HS256', typ: 'JWT' },
      claims({ exp: Math.floor(Date.now() / 1000) - 1 }),
      SECRET,
    );
    expect(await rejection(m.tokens.verify(expired))).toBeInstanceOf(TokenExpiredError);
  });
});

describe('JwtTokenService.verify(): options reach the codec', () => {
  it('refuses tokens larger than maxTokenSize', async () => {
    await withModule({ ...hs256, maxTokenSize: 512 }, async (m) => {
      const pair = m.tokens.issue({ sub: 'users:user1', claims: { pad: 'x'.repeat(600) } });
      expect(await rejection(m.tokens.verify(pair.accessToken))).toBeInstanceOf(
        TokenMalformedError,
      );
    });
  });

  it('applies the leeway', async () => {
    const expired = forge(
      { alg: 'HS256', typ: 'JWT' },
      claims({ exp: Math.floor(Date.now() / 1000) - 10 }),
      SECRET,
    );
    await withModule({ ...hs256, leeway: 60 }, async (m) => {
      await expect(m.tokens.verify(expired)).resolves.toMatchObject({ token: expired });
    });
  });

  it('refuses a token of another audience or issuer', async () => {
    await withModule({ ...hs256, audience: 'api', issuer: 'https://a.example' }, async (m) => {
      const other = forge(
        { alg: 'HS256', typ: 'JWT' },
        claims({ aud: 'other', iss: 'https://a.example' }),
        SECRET,
      );
      expect(await rejection(m.tokens.verify(other))).toBeInstanceOf(TokenInvalidError);
    });
  });

  it('answers a repeated token from the cache, and refuses it once expired (short wait)', async () => {
    await withModule(hs256, async (m) => {
      const now = Math.floor(Date.now() / 1000);
      // exp = now + 2: issued "898 seconds ago" with the default 900 s lifetime.
      const pair = m.tokens.issue({ sub: 'users:user1', now: now - 898 });
      await m.tokens.verify(pair.accessToken); // admitted into the cache on its second check
      const first = await m.tokens.verify(pair.accessToken);
      expect(await m.tokens.verify(pair.accessToken)).toBe(first);
      await new Promise((resolve) => setTimeout(resolve, pair.access.exp * 1000 - Date.now() + 50));
      expect(await rejection(m.tokens.verify(pair.accessToken))).toBeInstanceOf(TokenExpiredError);
    });
  }, 10_000);

  it('does not cache with verifyCacheSize 0', async () => {
    await withModule({ ...hs256, verifyCacheSize: 0 }, async (m) => {
      const pair = m.tokens.issue({ sub: 'users:user1' });
      const first = await m.tokens.verify(pair.accessToken);
      const second = await m.tokens.verify(pair.accessToken);
      expect(second).not.toBe(first);
      expect(second).toEqual(first);
    });
  });
});

describe('JwtTokenService: revocation', () => {
  it('refuses every token of a revoked session, cached or not', async () => {
    await withModule(hs256, async (m) => {
      const pair = m.tokens.issue({ sub: 'users:user1' });
      const other = m.tokens.issue({ sub: 'users:user1' });
      await record(m, pair);
      await m.tokens.verify(pair.accessToken);
      expect(await m.tokens.revokeSession(pair.access.sid)).toBe(true);
      const error = await rejection(m.tokens.verify(pair.accessToken));
      expect(error).toBeInstanceOf(TokenRevokedError);
      expect(error).toMatchObject({ code: 'token_revoked', statusCode: 401 });
      expect(
        await rejection(m.tokens.verify(pair.refreshToken!, { expect: 'refresh' })),
      ).toBeInstanceOf(TokenRevokedError);
      await expect(m.tokens.verify(other.accessToken)).resolves.toBeDefined();
    });
  });

  it('refuses one revoked token by jti and keeps its sibling', async () => {
    await withModule(hs256, async (m) => {
      const pair = m.tokens.issue({ sub: 'users:user1' });
      await record(m, pair);
      expect(await m.tokens.revokeToken(pair.access.jti)).toBe(true);
      expect(await rejection(m.tokens.verify(pair.accessToken))).toBeInstanceOf(TokenRevokedError);
      await expect(
        m.tokens.verify(pair.refreshToken!, { expect: 'refresh' }),
      ).resolves.toBeDefined();
    });
  });

  it('refuses revoked tokens even when the store never recorded them, and says so', async () => {
    await withModule(hs256, async (m) => {
      const pair = m.tokens.issue({ sub: 'users:user1' });
      expect(await m.tokens.revokeToken(pair.access.jti)).toBe(false);
      expect(await m.tokens.revokeSession(pair.access.sid)).toBe(false);
      expect(await rejection(m.tokens.verify(pair.accessToken))).toBeInstanceOf(TokenRevokedError);
    });
  });

  it('revokes every session of a subject', async () => {
    await withModule(hs256, async (m) => {
      const a = m.tokens.issue({ sub: 'users:user1' });
      const b = m.tokens.issue({ sub: 'users:user1' });
      const c = m.tokens.issue({ sub: 'users:admin' });
      for (const pair of [a, b, c]) await record(m, pair);
      expect(await m.tokens.revokeSubject('users:user1')).toBe(2);
      for (const pair of [a, b]) {
        expect(await rejection(m.tokens.verify(pair.accessToken))).toBeInstanceOf(
          TokenRevokedError,
        );
      }
      await expect(m.tokens.verify(c.accessToken)).resolves.toBeDefined();
    });
  });

  it('learns revocations recorded in the store by another instance on sync', async () => {
    await withModule(hs256, async (m) => {
      const pair = m.tokens.issue({ sub: 'users:user1' });
      await record(m, pair);
      await m.tokens.verify(pair.accessToken);
      await m.store.revokeSession(pair.access.sid, Math.floor(Date.now() / 1000));
      await m.tokens.syncRevocations();
      expect(await rejection(m.tokens.verify(pair.accessToken))).toBeInstanceOf(TokenRevokedError);
    });
  });

  it("with revocation: 'refresh', a revoked session's access token still verifies, its refresh token does not", async () => {
    await withModule({ ...hs256, revocation: 'refresh' }, async (m) => {
      const pair = m.tokens.issue({ sub: 'users:user1' });
      await record(m, pair);
      await m.tokens.revokeSession(pair.access.sid);
      await expect(m.tokens.verify(pair.accessToken)).resolves.toMatchObject({
        claims: pair.access,
      });
      expect(
        await rejection(m.tokens.verify(pair.refreshToken!, { expect: 'refresh' })),
      ).toBeInstanceOf(TokenRevokedError);
    });
  });
});
