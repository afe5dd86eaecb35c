import { TokenMalformedError } from '../errors/jwt-security.errors.js';
import type { JwtObjectType } from '../interfaces/jwt-claims.interface.js';
import type { TokenLocation } from '../interfaces/jwt-security-options.interface.js';
import { requestCookies } from './cookies.js';
import type { HttpRequestLike } from './http.js';

const WHITESPACE = /\s/;

/** Request property set when the token was read from a cookie (CSRF applies then). */
export const FROM_COOKIE = Symbol('jwt-security.from-cookie');

/**
 * Reads the token from the configured places, in order. In the header: with `Authorization`,
 * the value must be `<authType> <token>` (scheme case-insensitive), another scheme meaning "no
 * token for us"; any other header carries the bare token. In cookies: the access or refresh
 * cookie, by the kind of token the route expects.
 */
export class TokenExtractor {
  private readonly header: string;
  private readonly scheme: string;
  private readonly withScheme: boolean;
  /** `<authType> ` as configured: the common spelling, taken without any parsing. */
  private readonly prefix: string;
  private readonly headerOnly: boolean;
  /** Cookies to look at, by the kind of token expected (`any`: either kind). */
  private readonly cookieOrder: Readonly<Record<JwtObjectType | 'any', readonly string[]>>;

  constructor(
    authType: string,
    httpHeader: string,
    private readonly locations: readonly TokenLocation[] = ['header'],
    cookieNames: { accessName: string; refreshName: string } = {
      accessName: 'access_token',
      refreshName: 'refresh_token',
    },
  ) {
    this.header = httpHeader.toLowerCase();
    this.scheme = authType.toLowerCase();
    this.withScheme = this.header === 'authorization';
    this.prefix = `${authType} `;
    this.headerOnly = locations.length === 1 && locations[0] === 'header';
    const { accessName, refreshName } = cookieNames;
    this.cookieOrder = {
      access: [accessName],
      refresh: [refreshName],
      any: [accessName, refreshName],
    };
  }

  /**
   * The token of kind `expect` (`undefined`: either kind), `undefined` when none is given, or
   * throws `TokenMalformedError`.
   */
  extract(
    request: HttpRequestLike,
    expect: JwtObjectType | undefined = 'access',
  ): string | undefined {
    if (this.headerOnly) return this.fromHeader(request);
    for (const location of this.locations) {
      const token =
        location === 'header' ? this.fromHeader(request) : this.fromCookie(request, expect);
      if (token !== undefined) return token;
    }
    return undefined;
  }

  private fromCookie(
    request: HttpRequestLike,
    expect: JwtObjectType | undefined,
  ): string | undefined {
    const cookies = requestCookies(request);
    for (const name of this.cookieOrder[expect ?? 'any']) {
      const value = Object.hasOwn(cookies, name) ? cookies[name] : undefined;
      if (typeof value === 'string' && value.length > 0) {
        if (WHITESPACE.test(value)) throw new TokenMalformedError();
        request[FROM_COOKIE] = true;
        return value;
      }
    }
    return undefined;
  }

  /**
   * A token given in a field of its own (a WebSocket handshake's `auth.token`, a `?token=` query
   * parameter): bare, or `<authType> <token>` (scheme case-insensitive). Absent or empty: no
   * token; not a string, another scheme or inner whitespace: `TokenMalformedError`.
   */
  fromValue(raw: unknown): string | undefined {
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw !== 'string') throw new TokenMalformedError();
    const value = raw.trim();
    if (value.length === 0) return undefined;
    const space = value.search(WHITESPACE);
    if (space < 0) return value;
    if (value.slice(0, space).toLowerCase() !== this.scheme) throw new TokenMalformedError();
    const token = value.slice(space + 1).trim();
    if (token.length === 0 || WHITESPACE.test(token)) throw new TokenMalformedError();
    return token;
  }

  /** The token of the configured header only, never a cookie (also used for WebSocket handshakes). */
  fromHeader(request: Pick<HttpRequestLike, 'headers'>): string | undefined {
    const raw = request.headers?.[this.header];
    if (raw === undefined) return undefined;
    if (typeof raw !== 'string') throw new TokenMalformedError();
    // Fast path: `Bearer <token>` as sent by every client. An HTTP header value holds no
    // whitespace but spaces and tabs (the HTTP parsers refuse the rest).
    if (
      this.withScheme &&
      raw.startsWith(this.prefix) &&
      raw.charCodeAt(this.prefix.length) > 32 &&
      raw.charCodeAt(raw.length - 1) > 32
    ) {
      const token = raw.slice(this.prefix.length);
      if (token.indexOf(' ') < 0 && token.indexOf('\t') < 0) return token;
      throw new TokenMalformedError();
    }
    const value = raw.trim();
    if (value.length === 0) return undefined;
    if (!this.withScheme) {
      if (WHITESPACE.test(value)) throw new TokenMalformedError();
      return value;
    }
    const space = value.search(WHITESPACE);
    if (space < 0) {
      // A scheme without a token, or a bare token where a scheme is expected.
      return undefined;
    }
    if (value.slice(0, space).toLowerCase() !== this.scheme) return undefined;
    const token = value.slice(space + 1).trim();
    if (token.length === 0) return undefined;
    if (WHITESPACE.test(token)) throw new TokenMalformedError();
    return token;
  }
}
