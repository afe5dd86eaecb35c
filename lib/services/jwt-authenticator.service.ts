import {
  Inject,
  Injectable,
  Logger,
  type ExecutionContext,
  type OnModuleInit,
} from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import type { JwtSecurityOptions } from '../config/jwt-security-options.dto.js';
import {
  CsrfMismatchError,
  InsufficientScopeError,
  JwtSecurityError,
  ServiceUnavailableError,
  TokenMissingError,
  TokenNotFreshError,
  TokenRevokedError,
  TokenWrongTypeError,
} from '../errors/jwt-security.errors.js';
import type {
  JwtClaims,
  JwtObjectType,
  VerifiedToken,
} from '../interfaces/jwt-claims.interface.js';
import type { PrincipalLoader } from '../interfaces/principal-loader.interface.js';
import {
  FRESH_METADATA,
  JWT_OBJECT_METADATA,
  JWT_SECURITY_OPTIONS,
  OPTIONAL_JWT_METADATA,
  PUBLIC_METADATA,
  REQUIRE_SCOPES_METADATA,
} from '../jwt-security.constants.js';
import { getAuthContext, setAuthContext, type JwtAuthContext } from '../internal/auth-context.js';
import { applyErrorHeaders } from '../internal/challenge.js';
import type { HttpRequestLike } from '../internal/http.js';
import { resolveProvided } from '../internal/resolve-provided.js';
import { describe } from '../internal/store-call.js';
import { csrfMatches, isUnsafeMethod } from '../internal/cookies.js';
import { FROM_COOKIE, TokenExtractor } from '../internal/token-extractor.js';
import { JwtSecurityEvents } from './jwt-security-events.service.js';
import { JwtTokenService } from './jwt-token.service.js';

/** What a route asks of its token, read once per handler from the decorators. @publicApi */
export interface RouteRequirements {
  public: boolean;
  optional: boolean;
  object: JwtObjectType;
  fresh: boolean;
  scopes: readonly string[];
}

type Handler = (...args: unknown[]) => unknown;

/** Codes reported as `token.rejected` (a missing token is not a rejected one). */
const REJECTIONS: ReadonlySet<string> = new Set([
  'token_malformed',
  'token_invalid',
  'token_expired',
  'token_revoked',
  'token_wrong_type',
  'token_not_fresh',
  'insufficient_scope',
  'csrf_mismatch',
]);

/**
 * The authentication pipeline shared by `JwtAuthGuard`, `JwtObjectGuard` and the passport
 * strategy: extract, verify, check the route's requirements, load the principal.
 *
 * @publicApi
 */
@Injectable()
export class JwtAuthenticator implements OnModuleInit {
  readonly extractor: TokenExtractor;
  private readonly logger = new Logger('JwtSecurityModule');
  private readonly routes = new WeakMap<object, WeakMap<Handler, RouteRequirements>>();
  private principalLoader?: PrincipalLoader;
  private readonly csrf: boolean;
  private readonly csrfHeader: string;

  constructor(
    @Inject(JWT_SECURITY_OPTIONS) private readonly options: JwtSecurityOptions,
    private readonly tokens: JwtTokenService,
    private readonly reflector: Reflector,
    private readonly moduleRef: ModuleRef,
    private readonly events: JwtSecurityEvents,
  ) {
    this.extractor = new TokenExtractor(
      options.authType,
      options.httpHeader,
      options.tokenLocation,
      options.cookieSettings,
    );
    this.csrf = options.tokenLocation.includes('cookie') && options.cookieSettings.csrf;
    this.csrfHeader = options.cookieSettings.csrfHeader.toLowerCase();
  }

  async onModuleInit(): Promise<void> {
    this.principalLoader = await resolveProvided(this.moduleRef, this.options.principalLoader);
  }

  /** The route's requirements, computed once per handler. */
  requirements(context: ExecutionContext): RouteRequirements {
    const handler = context.getHandler() as Handler;
    const type = context.getClass();
    let byHandler = this.routes.get(type);
    if (!byHandler) this.routes.set(type, (byHandler = new WeakMap()));
    let found = byHandler.get(handler);
    if (!found) {
      const targets = [handler, type];
      const scopes = this.reflector.getAllAndOverride<string[] | undefined>(
        REQUIRE_SCOPES_METADATA,
        targets,
      );
      found = Object.freeze({
        public: this.reflector.getAllAndOverride<boolean>(PUBLIC_METADATA, targets) === true,
        optional:
          this.reflector.getAllAndOverride<boolean>(OPTIONAL_JWT_METADATA, targets) === true,
        object:
          this.reflector.getAllAndOverride<JwtObjectType | undefined>(
            JWT_OBJECT_METADATA,
            targets,
          ) ?? 'access',
        fresh: this.reflector.getAllAndOverride<boolean>(FRESH_METADATA, targets) === true,
        scopes: Object.freeze([...(scopes ?? [])]),
      });
      byHandler.set(handler, found);
    }
    return found;
  }

  /**
   * Authenticates a request against the route's requirements. Returns `undefined` for an
   * anonymous request on an `@OptionalJwt()` route; throws a `JwtSecurityError` otherwise.
   */
  authenticate(
    request: HttpRequestLike,
    requirements: RouteRequirements,
  ): JwtAuthContext | undefined | Promise<JwtAuthContext | undefined> {
    if (this.options.mode === 'disabled') throw new ServiceUnavailableError();
    const token = this.extractor.extract(request, requirements.object);
    if (token === undefined) return anonymous(requirements);
    // A second guard on the same request (an APP_GUARD and @UseGuards): the token was verified,
    // its CSRF header checked (every context recorded on an HTTP request was) and the principal
    // loaded already; only this route's requirements are left to check.
    const known = getAuthContext(request);
    if (known !== undefined && known.token === token) {
      this.checkRequirements(known.claims, requirements);
      return known;
    }
    return this.verify(token, request, requirements.object, requirements, true);
  }

  /**
   * Authenticates a request that must carry a token of kind `expect` (`undefined`: either kind),
   * without route requirements. Used by the auth controller and the passport strategy.
   */
  authenticateToken(
    request: HttpRequestLike,
    expect: JwtObjectType | undefined,
  ): JwtAuthContext | Promise<JwtAuthContext> {
    if (this.options.mode === 'disabled') throw new ServiceUnavailableError();
    const token = this.extractor.extract(request, expect);
    if (token === undefined) throw new TokenMissingError();
    return this.verify(token, request, expect, undefined, true);
  }

  /**
   * Authenticates a token its caller already read (a WebSocket client's handshake token)
   * against the route's requirements, and records the context on `target` (the client). Same
   * checks as `authenticate()`; no CSRF check, as no cookie is read there.
   */
  authenticateWith(
    token: string | undefined,
    target: HttpRequestLike,
    requirements: RouteRequirements,
  ): JwtAuthContext | undefined | Promise<JwtAuthContext | undefined> {
    if (this.options.mode === 'disabled') throw new ServiceUnavailableError();
    if (token === undefined) return anonymous(requirements);
    return this.verify(token, target, requirements.object, requirements, false);
  }

  /** Checks `@JwtObject`, `@Fresh` and `@RequireScopes` against verified claims. */
  checkRequirements(claims: JwtClaims, requirements: RouteRequirements): void {
    if (claims.obj !== requirements.object) throw new TokenWrongTypeError(requirements.object);
    this.checkGrants(claims, requirements);
  }

  /**
   * For one HTTP request, after verification: the CSRF check, then the context. When an earlier
   * guard of the same request already recorded the context of this very token (its principal
   * loaded), that context is reused, so the `PrincipalLoader` runs once per request. Not for
   * WebSocket clients, which outlive their messages: each message loads the principal again.
   */
  completeRequest(
    request: HttpRequestLike,
    verified: VerifiedToken,
  ): JwtAuthContext | Promise<JwtAuthContext> {
    this.checkCsrf(request, verified.claims);
    const known = getAuthContext(request);
    if (known !== undefined && known.token === verified.token && 'principal' in known) {
      return known;
    }
    return this.complete(request, verified);
  }

  /**
   * Puts the error's headers on the response, reports the rejection as an audit event, and
   * returns the error, ready to be thrown.
   */
  reject(response: unknown, error: JwtSecurityError, request?: HttpRequestLike): JwtSecurityError {
    applyErrorHeaders(response, error, this.options.authType);
    if (this.events.enabled && REJECTIONS.has(error.code)) {
      const ip = request?.ip;
      this.events.emit({
        type: 'token.rejected',
        code: error.code,
        ...(typeof ip === 'string' && { ip }),
      });
    }
    return error;
  }

  /**
   * The core of the three `authenticate*()`: verifies `token` as a token of kind `expect`, checks
   * `@Fresh` and `@RequireScopes` (verification checked the kind), and records the context on
   * `target`, through `completeRequest()` when it is an HTTP request (`http`).
   */
  private verify(
    token: string,
    target: HttpRequestLike,
    expect: JwtObjectType | undefined,
    requirements: RouteRequirements | undefined,
    http: boolean,
  ): JwtAuthContext | Promise<JwtAuthContext> {
    const verified = this.tokens.check(token, expect);
    if (verified instanceof Promise) {
      return verified.then((v) => this.admit(target, v, requirements, http));
    }
    return this.admit(target, verified, requirements, http);
  }

  private admit(
    target: HttpRequestLike,
    verified: VerifiedToken,
    requirements: RouteRequirements | undefined,
    http: boolean,
  ): JwtAuthContext | Promise<JwtAuthContext> {
    if (requirements !== undefined) this.checkGrants(verified.claims, requirements);
    return http ? this.completeRequest(target, verified) : this.complete(target, verified);
  }

  /** `@Fresh` and `@RequireScopes`; the kind of token is checked apart. */
  private checkGrants(claims: JwtClaims, requirements: RouteRequirements): void {
    if (requirements.fresh && claims.fresh !== true) throw new TokenNotFreshError();
    if (requirements.scopes.length > 0) {
      const granted = scopesOf(claims);
      if (!requirements.scopes.every((scope) => granted.includes(scope))) {
        throw new InsufficientScopeError(requirements.scopes);
      }
    }
  }

  /**
   * Cookie mode: a token read from a cookie, on a method that changes state, must come with the
   * CSRF header echoing its `csrf` claim (double submit).
   */
  private checkCsrf(request: HttpRequestLike, claims: JwtClaims): void {
    if (!this.csrf || request[FROM_COOKIE] !== true || !isUnsafeMethod(request)) return;
    if (!csrfMatches(request.headers[this.csrfHeader], claims.csrf)) throw new CsrfMismatchError();
  }

  /** Loads the principal (when configured) and records the context on the request. */
  private complete(
    request: HttpRequestLike,
    verified: VerifiedToken,
  ): JwtAuthContext | Promise<JwtAuthContext> {
    if (!this.principalLoader) {
      // The verified token (frozen, shared by every request that presents it) is the context.
      setAuthContext(request, verified);
      return verified;
    }
    return this.loadPrincipal(this.principalLoader, verified.claims).then((principal) => {
      const auth: JwtAuthContext = { ...verified, principal };
      setAuthContext(request, auth);
      return auth;
    });
  }

  private async loadPrincipal(loader: PrincipalLoader, claims: JwtClaims): Promise<unknown> {
    let principal: unknown;
    try {
      principal = await loader.load(claims);
    } catch (error) {
      if (error instanceof JwtSecurityError) throw error;
      this.logger.error(`PrincipalLoader failed: ${describe(error)}`);
      throw new ServiceUnavailableError(undefined, { cause: error });
    }
    if (principal === null || principal === undefined) throw new TokenRevokedError();
    return principal;
  }
}

/** No token: an anonymous request on an `@OptionalJwt()` route, `token_missing` elsewhere. */
function anonymous(requirements: RouteRequirements): undefined {
  if (requirements.optional) return undefined;
  throw new TokenMissingError();
}

/** Scopes of a token: its `scope` claim, a space-separated string or an array of strings. */
function scopesOf(claims: JwtClaims): string[] {
  const { scope } = claims;
  if (typeof scope === 'string') return scope.split(' ').filter(Boolean);
  if (Array.isArray(scope)) return scope.filter((s): s is string => typeof s === 'string');
  return [];
}
