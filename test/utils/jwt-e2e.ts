import { randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import { request, type HttpAnswer } from './http-app.js';
import { segment } from './keys.js';

/** Default mount point of the auth controller. */
export const AUTH = '/api/auth/jwt';

/** The access and refresh tokens of one login. */
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

/** Sends `POST <prefix>/login` (JSON) and returns the whole answer, whatever its status. */
export function loginAnswer(
  baseUrl: string,
  user: string,
  password: string,
  init: { prefix?: string; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  return request(`${baseUrl}${init.prefix ?? AUTH}/login`, {
    method: 'POST',
    json: { login: user, password },
    ...(init.headers && { headers: init.headers }),
  });
}

/** Logs in through `POST <prefix>/login` (JSON) and returns the answer's body; fails loudly otherwise. */
export async function login(
  baseUrl: string,
  user: string,
  password: string,
  init: { prefix?: string; headers?: Record<string, string> } = {},
): Promise<TokenPair> {
  const answer = await loginAnswer(baseUrl, user, password, init);
  if (answer.status !== 200) throw new Error(`login ${user}: ${answer.status}`);
  return answer.body;
}

/** Refreshes through `POST <prefix>/refresh` and returns the new pair. */
export async function refresh(
  baseUrl: string,
  refreshToken: string,
  prefix = AUTH,
): Promise<{ accessToken: string; refreshToken?: string }> {
  const answer = await request(`${baseUrl}${prefix}/refresh`, {
    method: 'POST',
    token: refreshToken,
  });
  if (answer.status !== 200) throw new Error(`refresh: ${answer.status}`);
  return answer.body;
}

/** Checks an answer's status, showing its body when it differs. */
export function expectStatus(answer: HttpAnswer, status: number): void {
  expect({ status: answer.status, body: answer.body }).toMatchObject({ status });
}

/**
 * Checks that an answer is the module's JSON error with `status` and `code`, and that a 401
 * carries a `WWW-Authenticate` challenge of `authType`.
 */
export function expectError(
  answer: HttpAnswer,
  status: number,
  code: string,
  authType = 'Bearer',
): void {
  expect({ status: answer.status, code: answer.body?.code }).toEqual({ status, code });
  expect(answer.body).toEqual({
    status: 'error',
    statusCode: status,
    code,
    message: expect.any(String),
  });
  if (status === 401) {
    expect(answer.headers.get('www-authenticate')?.startsWith(`${authType} `)).toBe(true);
  }
}

/**
 * Checks a refresh answer that rotated the pair: a new access and refresh token of the session
 * of `before`, for `sub`, the access token not fresh. Returns the new access token's claims.
 */
export function expectRenewed(
  answer: HttpAnswer,
  before: TokenPair,
  sub = 'users:user1',
): Record<string, unknown> {
  expectStatus(answer, 200);
  expect(answer.body).toEqual({
    status: 'success',
    accessToken: expect.any(String),
    refreshToken: expect.any(String),
  });
  const access = peekClaims(answer.body.accessToken);
  expect(access).toMatchObject({ sub, obj: 'access', sid: peekClaims(before.accessToken).sid });
  expect(access.fresh).toBeUndefined();
  return access;
}

/** Claims of a well-formed access token for `sub`, valid for a minute unless overridden. */
export function accessClaims(sub = 'users:user1', overrides: JWTPayload = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub,
    iat: now,
    exp: now + 60,
    jti: randomUUID(),
    sid: randomUUID(),
    obj: 'access',
    ...overrides,
  };
}

/** Signs `claims` with jose, as an independent issuer holding `key` would. */
export function signToken(
  alg: string,
  key: KeyObject,
  claims: JWTPayload,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT', ...header }).sign(key);
}

/** An unsigned token (`alg: none`, plus `header`), which must never be accepted. */
export function unsignedToken(claims: JWTPayload, header: Record<string, unknown> = {}): string {
  return `${segment({ alg: 'none', typ: 'JWT', ...header })}.${segment(claims)}.`;
}

/** `token` with one character of its signature changed, so the signature no longer matches. */
export function tamperSignature(token: string): string {
  const dot = token.lastIndexOf('.');
  const position = dot + 5;
  const replacement = token[position] === 'A' ? 'B' : 'A';
  return `${token.slice(0, position)}${replacement}${token.slice(position + 1)}`;
}

/** The claims of a token, read without any check (for assertions only). */
export function peekClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
}
