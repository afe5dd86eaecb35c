import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { JwtSecurityOptions } from '../config/jwt-security-options.dto.js';
import type { JwtClaims, TokenPair } from '../interfaces/jwt-claims.interface.js';
import { JWT_SECURITY_OPTIONS } from '../jwt-security.constants.js';

interface CookieWriter {
  setCookie?(response: unknown, name: string, value: string, options: object): unknown;
  clearCookie?(response: unknown, name: string, options: object): unknown;
}

/**
 * Cookie mode: writes the token cookies (`HttpOnly`) and the CSRF cookies (readable by the
 * page) on login and refresh, and clears them on logout, through Nest's own cookie support,
 * the same on Express and Fastify.
 *
 * @publicApi
 */
@Injectable()
export class JwtCookies {
  /** Whether login and refresh set cookies (`tokenLocation` includes `cookie`). */
  readonly enabled: boolean;
  /** Whether token responses still carry the tokens in their body (not with cookies only). */
  readonly tokensInBody: boolean;

  constructor(
    @Inject(JWT_SECURITY_OPTIONS) private readonly options: JwtSecurityOptions,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    this.enabled = options.tokenLocation.includes('cookie');
    this.tokensInBody = options.tokenLocation.includes('header');
  }

  /** Sets the cookies of a new pair (the refresh ones only when a refresh token was issued). */
  setTokens(response: unknown, pair: TokenPair): void {
    if (!this.enabled) return;
    const c = this.options.cookieSettings;
    // The access cookie outlives its token, up to the session's end, so that an expired access
    // token still reaches the server, which answers token_expired and the page refreshes.
    const sessionEnd = pair.refresh?.exp ?? pair.access.iat + this.options.refreshExpiration;
    this.set(response, c.accessName, pair.accessToken, sessionEnd, c.path, true);
    this.set(response, c.csrfAccessName, csrfOf(pair.access), sessionEnd, c.path, false);
    if (pair.refreshToken !== undefined && pair.refresh) {
      this.set(response, c.refreshName, pair.refreshToken, pair.refresh.exp, c.refreshPath, true);
      // The page must read it to refresh, so it lives on the page's path, not the auth routes'.
      this.set(response, c.csrfRefreshName, csrfOf(pair.refresh), pair.refresh.exp, c.path, false);
    }
  }

  /** Clears every cookie the module sets (logout). */
  clear(response: unknown): void {
    if (!this.enabled) return;
    const c = this.options.cookieSettings;
    const writer = this.writer();
    for (const [name, path] of [
      [c.accessName, c.path],
      [c.csrfAccessName, c.path],
      [c.refreshName, c.refreshPath],
      [c.csrfRefreshName, c.path],
    ] as const) {
      writer.clearCookie?.(response, name, this.attributes(path, true));
    }
  }

  private set(
    response: unknown,
    name: string,
    value: string,
    until: number,
    path: string,
    httpOnly: boolean,
  ): void {
    const maxAge = Math.max(0, until - Math.floor(Date.now() / 1000));
    this.writer().setCookie?.(response, name, value, {
      ...this.attributes(path, httpOnly),
      maxAge,
    });
  }

  private attributes(path: string, httpOnly: boolean): object {
    const c = this.options.cookieSettings;
    return {
      httpOnly,
      secure: c.secure,
      sameSite: c.sameSite,
      path,
      ...(c.domain !== undefined && { domain: c.domain }),
    };
  }

  private writer(): CookieWriter {
    return this.adapterHost.httpAdapter as unknown as CookieWriter;
  }
}

function csrfOf(claims: JwtClaims): string {
  return typeof claims.csrf === 'string' ? claims.csrf : '';
}
