import { verify as cryptoVerify } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { keyPair, SECRET, signingOptions } from '../../test/utils/keys.js';
import { tokenModule, type TokenModule } from '../../test/utils/token-module.js';
import { ALGORITHMS } from '../internal/algorithms.js';
import type { KeyRing } from '../internal/key-ring.js';
import { JWT_SECURITY_KEYS, RESERVED_CLAIMS } from '../jwt-security.constants.js';

const hs256 = { algorithm: 'HS256', secret: SECRET } as const;

describe('JwtTokenService.issue(): claims (SPEC §5)', () => {
  let m: TokenModule;
  let kid: string;

  beforeAll(async () => {
    m = await tokenModule(hs256);
    kid = m.moduleRef.get<KeyRing>(JWT_SECURITY_KEYS).signing!.kid;
  });
  afterAll(() => m.close());

  it('gives the access token exactly sub, iat, exp, jti, obj, sid (and fresh on login)', () => {
    const now = 1_900_000_000;
    const pair = m.tokens.issue({ sub: 'users:user1', fresh: true, now });
    expect(Object.keys(pair.access).sort()).toEqual([
      'exp',
      'fresh',
      'iat',
      'jti',
      'obj',
      'sid',
      'sub',
    ]);
    expect(pair.access).toMatchObject({
      sub: 'users:user1',
      iat: now,
      exp: now + 900,
      obj: 'access',
      fresh: true,
    });
    expect(Object.keys(pair.refresh!).sort()).toEqual(['exp', 'iat', 'jti', 'obj', 'sid', 'sub']);
    expect(pair.refresh).toMatchObject({
      sub: 'users:user1',
      iat: now,
      exp: now + 604800,
      obj: 'refresh',
    });
  });

  it('signs what it returns: the tokens carry the same claims', () => {
    const pair = m.tokens.issue({ sub: 'users:user1', fresh: true });
    expect(m.tokens.decode(pair.accessToken)!.claims).toEqual(pair.access);
    expect(m.tokens.decode(pair.refreshToken!)!.claims).toEqual(pair.refresh);
  });

  it('uses the header {alg, typ: JWT, kid}', () => {
    const pair = m.tokens.issue({ sub: 'users:user1' });
    for (const token of [pair.accessToken, pair.refreshToken!]) {
      expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT', kid });
    }
  });

  it('shares one new sid between the pair, with distinct jtis', () => {
    const a = m.tokens.issue({ sub: 'users:user1' });
    const b = m.tokens.issue({ sub: 'users:user1' });
    expect(a.access.sid).toBe(a.refresh!.sid);
    expect(a.access.sid).not.toBe(b.access.sid);
    expect(new Set([a.access.jti, a.refresh!.jti, b.access.jti, b.refresh!.jti]).size).toBe(4);
  });

  it('keeps a given sid (refresh) and can leave out the refresh token', () => {
    const pair = m.tokens.issue({ sub: 'users:user1', sid: 'session-1', withRefresh: false });
    expect(pair.access.sid).toBe('session-1');
    expect(pair.refreshToken).toBeUndefined();
    expect(pair.refresh).toBeUndefined();
  });

  it('sets fresh only on access tokens issued from credentials', () => {
    expect(m.tokens.issue({ sub: 'users:user1' }).access).not.toHaveProperty('fresh');
    expect(m.tokens.issue({ sub: 'users:user1', fresh: false }).access).not.toHaveProperty('fresh');
    expect(m.tokens.issue({ sub: 'users:user1', fresh: true }).refresh).not.toHaveProperty('fresh');
  });

  it('adds custom claims, which never override reserved ones', () => {
    const hostile = Object.fromEntries([...RESERVED_CLAIMS].map((name) => [name, 'hostile']));
    const pair = m.tokens.issue({
      sub: 'users:user1',
      now: 1_900_000_000,
      claims: { ...hostile, scope: 'read write', roles: ['a'], lang: 'fr', skipped: undefined },
    });
    for (const claims of [pair.access, pair.refresh!]) {
      expect(claims).toMatchObject({
        sub: 'users:user1',
        iat: 1_900_000_000,
        scope: 'read write',
        roles: ['a'],
        lang: 'fr',
      });
      expect(typeof claims.exp).toBe('number');
      expect(claims.jti).not.toBe('hostile');
      expect(claims.sid).not.toBe('hostile');
      expect(['access', 'refresh']).toContain(claims.obj);
      for (const name of ['nbf', 'aud', 'iss', 'fresh', 'skipped'])
        expect(claims).not.toHaveProperty(name);
    }
    expect(m.tokens.decode(pair.accessToken)!.claims).toEqual(pair.access);
  });

  it('does not let a custom claim named like a reserved one survive a verify', async () => {
    const pair = m.tokens.issue({ sub: 'users:user1', claims: { obj: 'refresh', fresh: true } });
    const { claims } = await m.tokens.verify(pair.accessToken);
    expect(claims.obj).toBe('access');
    expect(claims).not.toHaveProperty('fresh');
  });
});

describe('JwtTokenService.issue(): audience and issuer', () => {
  let m: TokenModule;
  beforeAll(async () => {
    m = await tokenModule({ ...hs256, audience: 'my-api', issuer: 'https://auth.example.com' });
  });
  afterAll(() => m.close());

  it('sets aud and iss on both tokens when configured', () => {
    const pair = m.tokens.issue({ sub: 'users:user1', claims: { aud: 'other', iss: 'evil' } });
    for (const claims of [pair.access, pair.refresh!]) {
      expect(claims).toMatchObject({ aud: 'my-api', iss: 'https://auth.example.com' });
      expect(Object.keys(claims).sort()).toEqual([
        'aud',
        'exp',
        'iat',
        'iss',
        'jti',
        'obj',
        'sid',
        'sub',
      ]);
    }
  });

  it('verifies its own tokens with aud and iss', async () => {
    const pair = m.tokens.issue({ sub: 'users:user1' });
    await expect(m.tokens.verify(pair.accessToken)).resolves.toMatchObject({
      claims: { aud: 'my-api' },
    });
  });
});

describe('JwtTokenService.decode()', () => {
  let m: TokenModule;
  beforeAll(async () => {
    m = await tokenModule(hs256);
  });
  afterAll(() => m.close());

  it('reads header and claims without verifying', () => {
    const pair = m.tokens.issue({ sub: 'users:user1' });
    const tampered = pair.accessToken.slice(0, -4) + 'AAAA';
    expect(m.tokens.decode(tampered)).toEqual({
      header: expect.objectContaining({ alg: 'HS256' }),
      claims: pair.access,
    });
  });

  it.each(['', 'a.b', 'a.b.c', 'not a token', 'e30.e30.e30.e30'])(
    'answers undefined for %p',
    (input) => {
      expect(m.tokens.decode(input)).toBeUndefined();
    },
  );
});

describe('JwtTokenService: round trip for every algorithm, checked by jose against the JWKS', () => {
  it.each([...ALGORITHMS])('%s', async (alg) => {
    const m = await tokenModule(signingOptions(alg));
    try {
      const pair = m.tokens.issue({ sub: 'users:user1', fresh: true });
      await expect(m.tokens.verify(pair.accessToken)).resolves.toMatchObject({
        claims: pair.access,
      });
      await expect(
        m.tokens.verify(pair.refreshToken!, { expect: 'refresh' }),
      ).resolves.toMatchObject({ claims: pair.refresh });
      const jwks = m.moduleRef.get<KeyRing>(JWT_SECURITY_KEYS).jwks();
      const { payload, protectedHeader } = alg.startsWith('HS')
        ? await jwtVerify(pair.accessToken, new TextEncoder().encode(SECRET), { algorithms: [alg] })
        : await jwtVerify(pair.accessToken, createLocalJWKSet(jwks!), { algorithms: [alg] });
      expect(payload).toEqual(pair.access);
      expect(protectedHeader.typ).toBe('JWT');
      if (alg.startsWith('HS')) expect(jwks).toBeUndefined();
    } finally {
      await m.close();
    }
  });

  it('EdDSA with an Ed448 key (checked with node:crypto: jose 6 has no Ed448)', async () => {
    const m = await tokenModule(signingOptions('EdDSA', 'ed448'));
    try {
      const pair = m.tokens.issue({ sub: 'users:user1' });
      await expect(m.tokens.verify(pair.accessToken)).resolves.toMatchObject({
        claims: pair.access,
      });
      const [h, p, s] = pair.accessToken.split('.');
      const ok = cryptoVerify(
        null,
        Buffer.from(`${h}.${p}`),
        keyPair('ed448').publicKey,
        Buffer.from(s!, 'base64url'),
      );
      expect(ok).toBe(true);
    } finally {
      await m.close();
    }
  });
});
