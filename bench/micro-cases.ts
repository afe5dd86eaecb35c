import { randomUUID, type KeyObject } from 'node:crypto';
import { Test, type TestingModule } from '@nestjs/testing';
import { createSigner, createVerifier } from 'fast-jwt';
import { jwtVerify, SignJWT } from 'jose';
import jwt from 'jsonwebtoken';
import { JwtSecurityModule, JwtTokenService } from 'nest-jwt-security';
import type { Alg } from './config.js';
import { b64, signature, signatureCheck, type KeySet } from './keys.js';

/** One micro-benchmark: a function run in a loop (awaited when it returns a promise). */
export interface MicroCase {
  kind: 'sign pair' | 'verify';
  alg: Alg;
  impl: string;
  fn: () => unknown;
}

type Keys = Omit<KeySet, 'kid'>;
const ACCESS = 900;
const REFRESH = 604_800;

/** Our `JwtTokenService`, built the way an app gets it: the module, then `init()`. */
export async function ourService(
  keys: Keys,
  verifyCacheSize?: number,
): Promise<{ tokens: JwtTokenService; module: TestingModule }> {
  const module = await Test.createTestingModule({
    imports: [
      JwtSecurityModule.forRoot({
        algorithm: keys.alg,
        ...(keys.secret !== undefined
          ? { secret: keys.secret }
          : { privateKey: keys.privatePem, publicKey: keys.publicPem }),
        ...(verifyCacheSize !== undefined && { verifyCacheSize }),
        routePrefix: false,
      }),
    ],
  }).compile();
  await module.init();
  return { tokens: module.get(JwtTokenService), module };
}

/** The string form of a key, as apps usually hand it to jsonwebtoken and fast-jwt. */
function keyString(keys: Keys, side: 'sign' | 'verify'): string {
  return keys.secret ?? (side === 'sign' ? keys.privatePem! : keys.publicPem!);
}

/** Token PAIR issue (access + refresh, the claims our `issue()` writes) with each library. */
export function signCases(keys: Keys, tokens: JwtTokenService, kid: string): MicroCase[] {
  const { alg } = keys;
  const claims = (sid: string, obj: 'access' | 'refresh') => ({
    sub: 'users:user1',
    sid,
    jti: randomUUID(),
    obj,
  });
  const jsonwebtoken = (key: string | KeyObject) => () => {
    const sid = randomUUID();
    const options = { algorithm: alg, keyid: kid } as const;
    return [
      jwt.sign(claims(sid, 'access'), key, { ...options, expiresIn: ACCESS }),
      jwt.sign(claims(sid, 'refresh'), key, { ...options, expiresIn: REFRESH }),
    ];
  };
  const access = createSigner({
    key: keyString(keys, 'sign'),
    algorithm: alg,
    kid,
    expiresIn: ACCESS * 1000,
  });
  const refresh = createSigner({
    key: keyString(keys, 'sign'),
    algorithm: alg,
    kid,
    expiresIn: REFRESH * 1000,
  });
  const header = b64({ alg, typ: 'JWT', kid });
  const floor = (sid: string, obj: 'access' | 'refresh', now: number, ttl: number): string => {
    const input = `${header}.${b64({ ...claims(sid, obj), iat: now, exp: now + ttl })}`;
    return `${input}.${signature(alg, keys.signKey, input)}`;
  };
  const jose = async (sid: string, obj: 'access' | 'refresh', ttl: number): Promise<string> =>
    new SignJWT(claims(sid, obj))
      .setProtectedHeader({ alg, typ: 'JWT', kid })
      .setIssuedAt()
      .setExpirationTime(`${ttl}s`)
      .sign(keys.signKey);
  return [
    { impl: 'ours: JwtTokenService.issue()', fn: () => tokens.issue({ sub: 'users:user1' }) },
    { impl: 'jsonwebtoken (string key)', fn: jsonwebtoken(keyString(keys, 'sign')) },
    { impl: 'jsonwebtoken (KeyObject)', fn: jsonwebtoken(keys.signKey) },
    {
      impl: 'jose SignJWT (KeyObject)',
      fn: () => {
        const sid = randomUUID();
        return Promise.all([jose(sid, 'access', ACCESS), jose(sid, 'refresh', REFRESH)]);
      },
    },
    {
      impl: 'fast-jwt createSigner',
      fn: () => {
        const sid = randomUUID();
        return [access(claims(sid, 'access')), refresh(claims(sid, 'refresh'))];
      },
    },
    {
      impl: 'node:crypto floor',
      fn: () => {
        const sid = randomUUID();
        const now = Math.floor(Date.now() / 1000);
        return [floor(sid, 'access', now, ACCESS), floor(sid, 'refresh', now, REFRESH)];
      },
    },
  ].map((c) => ({ ...c, kind: 'sign pair' as const, alg }));
}

/** Verify with each library: `pool` are distinct tokens (cold), `one` is reused (warm). */
export function verifyCases(
  keys: Keys,
  cold: JwtTokenService,
  warm: JwtTokenService,
  pool: readonly string[],
): MicroCase[] {
  const { alg } = keys;
  let i = 0;
  const next = (): string => pool[i++ % pool.length]!;
  const one = pool[0]!;
  const options = { algorithms: [alg] };
  const fast = createVerifier({ key: keyString(keys, 'verify'), algorithms: [alg] });
  const floor = floorVerifier(alg, keys.verifyKey);
  return [
    { impl: 'ours: verify(), cold (verifyCacheSize 0)', fn: () => cold.verify(next()) },
    { impl: 'ours: verify(), warm (same token)', fn: () => warm.verify(one) },
    {
      impl: 'jsonwebtoken (string key)',
      fn: () => jwt.verify(next(), keyString(keys, 'verify'), options),
    },
    { impl: 'jsonwebtoken (KeyObject)', fn: () => jwt.verify(next(), keys.verifyKey, options) },
    { impl: 'jose jwtVerify (KeyObject)', fn: () => jwtVerify(next(), keys.verifyKey, options) },
    { impl: 'fast-jwt createVerifier', fn: () => fast(next()) },
    { impl: 'node:crypto floor', fn: () => floor(next()) },
  ].map((c) => ({ ...c, kind: 'verify' as const, alg }));
}

/** The least a correct verifier does: header, signature, claims, `exp`. */
function floorVerifier(alg: Alg, key: KeyObject): (token: string) => Record<string, unknown> {
  const check = signatureCheck(alg, key);
  return (token) => {
    const [h, p, s] = token.split('.') as [string, string, string];
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    if (header.alg !== alg) throw new Error('alg');
    if (!check(`${h}.${p}`, Buffer.from(s, 'base64url'))) throw new Error('signature');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    if (!(claims.exp > Date.now() / 1000)) throw new Error('exp');
    return claims;
  };
}
