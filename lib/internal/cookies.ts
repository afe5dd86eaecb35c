import { timingSafeEqual } from 'node:crypto';
import { parseCookie } from 'cookie';
import type { HttpRequestLike } from './http.js';

/** Cookie settings of cookie mode (the `cookies` option), with every default applied. @publicApi */
export interface CookieSettings {
  accessName: string;
  refreshName: string;
  csrfAccessName: string;
  csrfRefreshName: string;
  csrfHeader: string;
  csrf: boolean;
  secure: boolean;
  sameSite: 'strict' | 'lax' | 'none';
  domain?: string;
  path: string;
  refreshPath: string;
}

const PARSED = Symbol('jwt-security.cookies');
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The request's cookies: `req.cookies` when a cookie middleware ran, else the parsed header. */
export function requestCookies(request: HttpRequestLike): Record<string, string | undefined> {
  const fromMiddleware = request.cookies;
  if (typeof fromMiddleware === 'object' && fromMiddleware !== null) {
    return fromMiddleware as Record<string, string | undefined>;
  }
  let parsed = request[PARSED] as Record<string, string | undefined> | undefined;
  if (!parsed) {
    const header = request.headers.cookie;
    parsed = typeof header === 'string' ? parseCookie(header) : {};
    request[PARSED] = parsed;
  }
  return parsed;
}

/** Whether the request's method changes state, and so needs the CSRF header in cookie mode. */
export function isUnsafeMethod(request: HttpRequestLike): boolean {
  const method = request.method;
  return typeof method !== 'string' || !SAFE_METHODS.has(method.toUpperCase());
}

/** Constant-time comparison of the CSRF header with the token's `csrf` claim. */
export function csrfMatches(header: unknown, claim: unknown): boolean {
  if (typeof header !== 'string' || typeof claim !== 'string' || claim.length === 0) return false;
  const a = Buffer.from(header);
  const b = Buffer.from(claim);
  return a.length === b.length && timingSafeEqual(a, b);
}
