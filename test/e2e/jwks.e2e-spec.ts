import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  decodeProtectedHeader,
  jwtVerify,
  type JSONWebKeySet,
} from 'jose';
import { ADAPTERS, request, startApp, type RunningApp } from '../utils/http-app.js';
import { AUTH, expectStatus, login, refresh } from '../utils/jwt-e2e.js';
import type { JwtAlgorithm } from '../../lib/interfaces/jwt-security-options.interface.js';
import { LocalAppModule } from '../fixtures/local-app.module.js';
import { signingOptions } from '../utils/keys.js';

interface Case {
  alg: Exclude<JwtAlgorithm, 'HS256' | 'HS384' | 'HS512'>;
  kty: string;
  crv?: string;
  audience?: string;
  issuer?: string;
}

const AUD_ISS = { audience: 'e2e-api', issuer: 'https://issuer.e2e' };

/** Every asymmetric algorithm; the RSA ones share one 2048-bit key (test/utils/keys.ts). */
const CASES: Case[] = [
  { alg: 'RS256', kty: 'RSA' },
  { alg: 'RS384', kty: 'RSA', ...AUD_ISS },
  { alg: 'RS512', kty: 'RSA' },
  { alg: 'PS256', kty: 'RSA', ...AUD_ISS },
  { alg: 'PS384', kty: 'RSA' },
  { alg: 'PS512', kty: 'RSA', ...AUD_ISS },
  { alg: 'ES256', kty: 'EC', crv: 'P-256', ...AUD_ISS },
  { alg: 'ES384', kty: 'EC', crv: 'P-384' },
  { alg: 'ES512', kty: 'EC', crv: 'P-521', ...AUD_ISS },
  { alg: 'EdDSA', kty: 'OKP', crv: 'Ed25519', ...AUD_ISS },
];

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** Tokens checked by an independent verifier (jose) against the keys `GET /jwks` publishes. */
describe.each(ADAPTERS)('tokens verified with jose against GET /jwks (%s)', (adapter) => {
  describe.each(CASES)('$alg', ({ alg, kty, crv, audience, issuer }) => {
    let running: RunningApp;
    let jwks: JSONWebKeySet;
    const expectedClaims = (extra: string[]): string[] =>
      [
        'sub',
        'iat',
        'exp',
        'jti',
        'obj',
        'sid',
        ...(audience ? ['aud'] : []),
        ...(issuer ? ['iss'] : []),
        ...extra,
      ].sort();
    const verifyOptions = {
      algorithms: [alg],
      typ: 'JWT',
      ...(audience && { audience }),
      ...(issuer && { issuer }),
    };

    beforeAll(async () => {
      const options = {
        // The fixture's HS256 secret is dropped: it has no use with an asymmetric algorithm.
        secret: undefined,
        ...signingOptions(alg),
        ...(audience && { audience }),
        ...(issuer && { issuer }),
      };
      running = await startApp(LocalAppModule.with(options), adapter);
      const answer = await request(`${running.url}${AUTH}/jwks`);
      expectStatus(answer, 200);
      jwks = answer.body;
    });
    afterAll(() => running.close());

    it('publishes one public signing key, and nothing private', async () => {
      expect(jwks.keys).toHaveLength(1);
      const [key] = jwks.keys;
      expect(key).toMatchObject({
        kty,
        alg,
        use: 'sig',
        kid: expect.any(String),
        ...(crv && { crv }),
      });
      for (const member of PRIVATE_JWK_MEMBERS) expect(key).not.toHaveProperty(member);
      // The kid is the RFC 7638 thumbprint of the public key, as no keyId is configured.
      expect(await calculateJwkThumbprint(key!, 'sha256')).toBe(key!.kid);
    });

    it('access token: header {alg, typ JWT, kid} and exactly the SPEC §5 claims', async () => {
      const { accessToken } = await login(running.url, 'user1', 'passwd');
      const { payload, protectedHeader } = await jwtVerify(
        accessToken,
        createLocalJWKSet(jwks),
        verifyOptions,
      );
      expect(protectedHeader).toEqual({ alg, typ: 'JWT', kid: jwks.keys[0]!.kid });
      expect(Object.keys(payload).sort()).toEqual(expectedClaims(['fresh']));
      expect(payload).toMatchObject({ sub: 'users:user1', obj: 'access', fresh: true });
      expect(payload.exp! - payload.iat!).toBe(900);
      if (audience) expect(payload.aud).toBe(audience);
      if (issuer) expect(payload.iss).toBe(issuer);
    });

    it('refresh token: same header, no fresh, the session of its access token', async () => {
      const { accessToken, refreshToken } = await login(running.url, 'user1', 'passwd');
      const set = createLocalJWKSet(jwks);
      const access = await jwtVerify(accessToken, set, verifyOptions);
      const { payload, protectedHeader } = await jwtVerify(refreshToken, set, verifyOptions);
      expect(protectedHeader).toEqual({ alg, typ: 'JWT', kid: jwks.keys[0]!.kid });
      expect(Object.keys(payload).sort()).toEqual(expectedClaims([]));
      expect(payload).toMatchObject({
        sub: 'users:user1',
        obj: 'refresh',
        sid: access.payload.sid,
      });
      expect(payload.jti).not.toBe(access.payload.jti);
      expect(payload.exp! - payload.iat!).toBe(604800);
    });

    it('tokens from refresh verify too; the access token is not fresh', async () => {
      const first = await login(running.url, 'user1', 'passwd');
      const renewed = await refresh(running.url, first.refreshToken);
      const set = createLocalJWKSet(jwks);
      const { payload } = await jwtVerify(renewed.accessToken, set, verifyOptions);
      expect(Object.keys(payload).sort()).toEqual(expectedClaims([]));
      expect(payload.obj).toBe('access');
      await expect(jwtVerify(renewed.refreshToken!, set, verifyOptions)).resolves.toBeDefined();
    });

    it('custom claims follow the reserved ones (admin scope)', async () => {
      const { accessToken } = await login(running.url, 'admin', 'admin');
      const { payload } = await jwtVerify(accessToken, createLocalJWKSet(jwks), verifyOptions);
      expect(Object.keys(payload).sort()).toEqual(expectedClaims(['fresh', 'scope']));
      expect(payload.scope).toEqual(['admin']);
    });

    it('the kid of every token is the kid of the JWKS key', async () => {
      const { accessToken, refreshToken } = await login(running.url, 'admin', 'admin');
      for (const token of [accessToken, refreshToken]) {
        expect(decodeProtectedHeader(token).kid).toBe(jwks.keys[0]!.kid);
      }
    });
  });
});
