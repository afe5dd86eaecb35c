import { Injectable, type ExecutionContext } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { JwtSecurityError } from '../errors/jwt-security.errors.js';
import type { JwtClaims } from '../interfaces/jwt-claims.interface.js';
import { JWT_SECURITY_STRATEGY } from '../jwt-security.constants.js';
import { requestOf, responseOf, type JwtAuthContext } from '../internal/auth-context.js';
import type { HttpRequestLike } from '../internal/http.js';
import { toWsException } from '../internal/ws-errors.js';
import { wsToken } from '../internal/ws-handshake.js';
import { JwtAuthenticator, type RouteRequirements } from '../services/jwt-authenticator.service.js';

/**
 * The module's guard: reads the token, verifies it, and enforces `@Public`, `@OptionalJwt`,
 * `@JwtObject`, `@Fresh` and `@RequireScopes`. It is an `AuthGuard('jwt-security')` whose hot path
 * skips passport (same answers, a fraction of the cost); subclass it and override
 * `getRequest`/`handleRequest` as with any passport guard. It also guards `@nestjs/websockets`
 * gateway messages (token from the connection's handshake, errors sent as a `WsException`) and
 * GraphQL resolvers (the `req` of the GraphQL context).
 *
 * @example
 * ```ts
 * // one route
 * @UseGuards(JwtAuthGuard)
 * @Get('profile')
 * profile(@CurrentClaims() claims: JwtClaims) { return claims; }
 *
 * // every route of the app, with @Public() to open some
 * providers: [{ provide: APP_GUARD, useClass: JwtAuthGuard }]
 * ```
 * @publicApi
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard(JWT_SECURITY_STRATEGY) {
  constructor(protected readonly authenticator: JwtAuthenticator) {
    super();
  }

  override canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const requirements = this.authenticator.requirements(context);
    if (requirements.public) return true;
    if (context.getType<string>() === 'ws') return this.canActivateWs(context, requirements);
    let result: JwtAuthContext | undefined | Promise<JwtAuthContext | undefined>;
    try {
      result = this.authenticator.authenticate(this.getRequest(context), requirements);
    } catch (error) {
      return this.handleRequest(error, undefined, undefined, context);
    }
    if (result instanceof Promise) {
      return result.then(
        (auth) => this.accept(auth, context),
        (error: unknown) => this.handleRequest(error, undefined, undefined, context),
      );
    }
    return this.accept(result, context);
  }

  /**
   * Hands the outcome to `handleRequest` and, as passport's `AuthGuard` does, makes what it
   * returns `request.user`: an override may return another object than the claims.
   * `@CurrentClaims()` still reads the verified claims.
   */
  private accept(auth: JwtAuthContext | undefined, context: ExecutionContext): true {
    const claims = auth?.claims ?? null;
    const user = this.handleRequest<unknown>(undefined, claims, undefined, context);
    if (user !== claims) this.getRequest(context).user = user;
    return true;
  }

  /**
   * A gateway message: the token is the one the client presented when it connected (handshake
   * `auth.token`, header, `?token=`), verified again for every message (a cache hit), and the
   * context is recorded on the client, where `@CurrentClaims()` reads it. Errors go out as a
   * `WsException` carrying the module's error body.
   */
  private async canActivateWs(
    context: ExecutionContext,
    requirements: RouteRequirements,
  ): Promise<boolean> {
    try {
      let auth: JwtAuthContext | undefined;
      try {
        const client = this.getRequest(context);
        auth = await this.authenticator.authenticateWith(
          wsToken(client, this.authenticator.extractor),
          client,
          requirements,
        );
      } catch (error) {
        return this.handleRequest(error, undefined, undefined, context);
      }
      return this.accept(auth, context);
    } catch (error) {
      throw await toWsException(error);
    }
  }

  override getRequest(context: ExecutionContext): HttpRequestLike {
    return requestOf(context);
  }

  /**
   * Receives the outcome: throws the error (with its `WWW-Authenticate` header set) or returns
   * the claims (`null` for an anonymous `@OptionalJwt()` request).
   */
  override handleRequest<TUser = JwtClaims | null>(
    err: unknown,
    user: unknown,
    _info: unknown,
    context: ExecutionContext,
  ): TUser {
    if (err instanceof JwtSecurityError) {
      throw this.authenticator.reject(responseOf(context), err, this.getRequest(context));
    }
    if (err) throw err;
    return user as TUser;
  }
}
