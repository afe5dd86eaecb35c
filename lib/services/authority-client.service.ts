import { Inject, Injectable, Logger } from '@nestjs/common';
import type { JwtSecurityOptions } from '../config/jwt-security-options.dto.js';
import {
  JWT_SECURITY_ERRORS,
  JwtSecurityError,
  ServiceUnavailableError,
  TokenInvalidError,
  TokenWrongTypeError,
  type JwtSecurityErrorCode,
} from '../errors/jwt-security.errors.js';
import type { JwtObjectType } from '../interfaces/jwt-claims.interface.js';
import { JWT_SECURITY_OPTIONS } from '../jwt-security.constants.js';
import { readCapped } from '../internal/http.js';
import { describe } from '../internal/store-call.js';

/** A request forwarded to the authority. */
export interface AuthorityRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Route under the authority's prefix, e.g. `token`, `verify`, `sessions/abc`. */
  path: string;
  query?: Record<string, string>;
  /** The token to present, sent as the module's auth header. */
  token?: string;
  /** JSON body. */
  body?: unknown;
  /** Forwarded as is, for the session registry of the authority. */
  userAgent?: string;
  /** The client's address, sent as `X-Forwarded-For` (the authority trusts it only if told to). */
  clientIp?: string;
}

/** The authority's answer, passed back unchanged. */
export interface AuthorityResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Answer headers worth passing back to the client. */
const PASSED_HEADERS = ['www-authenticate', 'retry-after', 'cache-control'];

/** Largest answer body read from the authority (1 MiB); a larger one fails closed with 503. */
export const MAX_AUTHORITY_ANSWER_BYTES = 1024 * 1024;

/**
 * HTTP client of the remote authority (proxy mode): the PyAMS-compatible routes
 * `POST|PATCH|GET {prefix}/token` and `POST {prefix}/verify`, plus `GET {prefix}/jwks`. Calls go
 * through Node's fetch (keep-alive connections, redirects refused) and are bounded by
 * `authorityTimeout`; an authority that cannot be reached, answers 5xx or sends more than
 * `MAX_AUTHORITY_ANSWER_BYTES` yields `ServiceUnavailableError`.
 */
@Injectable()
export class AuthorityClient {
  private readonly logger = new Logger('JwtSecurityModule');
  private readonly base: string;
  /** `base` as logs show it: never with user info, a query or a fragment. */
  private readonly shown: string;
  private failing = false;

  constructor(@Inject(JWT_SECURITY_OPTIONS) private readonly options: JwtSecurityOptions) {
    const root = (options.authority ?? '').replace(/\/+$/, '');
    const prefix = options.authorityPrefix.replace(/^\/+|\/+$/g, '');
    this.base = prefix ? `${root}/${prefix}` : root;
    this.shown = redactUrl(this.base);
  }

  /** Sends a request and returns the authority's answer unchanged (4xx included). */
  async forward(request: AuthorityRequest): Promise<AuthorityResponse> {
    const url = new URL(`${this.base}/${request.path}`);
    for (const [name, value] of Object.entries(request.query ?? {}))
      url.searchParams.set(name, value);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (request.token !== undefined)
      headers[this.options.httpHeader.toLowerCase()] = this.credential(request.token);
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (request.userAgent !== undefined) headers['user-agent'] = request.userAgent;
    if (request.clientIp !== undefined) headers['x-forwarded-for'] = request.clientIp;
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method: request.method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: AbortSignal.timeout(this.options.authorityTimeout),
        redirect: 'error',
      });
      text = await readCapped(response, MAX_AUTHORITY_ANSWER_BYTES, 'authority answer');
    } catch (error) {
      throw this.unavailable(error);
    }
    // A failing authority is an unavailable one: the proxy never answers a 5xx of its own.
    if (response.status >= 500) {
      throw this.unavailable(new Error(`authority answered ${response.status}`));
    }
    this.recovered();
    const answer: AuthorityResponse = { status: response.status, headers: {}, body: parse(text) };
    for (const name of PASSED_HEADERS) {
      const value = response.headers.get(name);
      if (value !== null) answer.headers[name] = value;
    }
    return answer;
  }

  /** The authority's JWKS, or `undefined` when it publishes none (HMAC authority: 404). */
  async jwks(): Promise<unknown | undefined> {
    const answer = await this.forward({ method: 'GET', path: 'jwks' });
    if (answer.status === 404) return undefined;
    if (answer.status !== 200) throw this.unavailable(new Error(`JWKS answered ${answer.status}`));
    return answer.body;
  }

  /**
   * The claims the authority vouches for, for a token of kind `expect` (`GET {prefix}/token`).
   * A refusal becomes the module's error of the same code.
   */
  async claims(token: string, expect: JwtObjectType | undefined): Promise<Record<string, unknown>> {
    const answer = await this.forward({
      method: 'GET',
      path: 'token',
      token,
      ...(expect !== undefined && { query: { obj: expect } }),
    });
    if (answer.status === 200 && isObject(answer.body)) return answer.body;
    throw errorFromAnswer(answer, expect);
  }

  private credential(token: string): string {
    return this.options.httpHeader.toLowerCase() === 'authorization'
      ? `${this.options.authType} ${token}`
      : token;
  }

  private unavailable(cause: unknown): ServiceUnavailableError {
    if (!this.failing) {
      this.failing = true;
      // Errors of fetch may quote the URL: user info never reaches the log.
      const why = describe(cause).replace(/([a-z][\w+.-]*:\/\/)[^\s/?#]*@/gi, '$1');
      this.logger.error(`Authority ${this.shown} unavailable: ${why}`);
    }
    return new ServiceUnavailableError(undefined, { cause });
  }

  private recovered(): void {
    if (this.failing) {
      this.failing = false;
      this.logger.log(`Authority ${this.shown} reachable again`);
    }
  }
}

/**
 * The module's error for an authority's refusal, by its `code`; unknown codes are invalid. A
 * `token_wrong_type` refusal names the kind of token that was `expected` (default `'access'`).
 */
export function errorFromAnswer(
  answer: AuthorityResponse,
  expected?: JwtObjectType,
): JwtSecurityError {
  const code = isObject(answer.body) ? (answer.body.code as JwtSecurityErrorCode) : undefined;
  const ErrorClass =
    code !== undefined && Object.hasOwn(JWT_SECURITY_ERRORS, code)
      ? JWT_SECURITY_ERRORS[code]
      : undefined;
  if (ErrorClass === TokenWrongTypeError) return new TokenWrongTypeError(expected ?? 'access');
  if (ErrorClass && ErrorClass !== JWT_SECURITY_ERRORS.too_many_attempts) {
    return new (ErrorClass as new () => JwtSecurityError)();
  }
  return answer.status === 401 || answer.status === 403
    ? new TokenInvalidError()
    : new ServiceUnavailableError();
}

/** `url` without user info, query or fragment, for log lines. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    parsed.hash = '';
    return parsed.toString().replace(/\/+$/, '');
  } catch {
    return '(invalid URL)';
  }
}

function parse(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
