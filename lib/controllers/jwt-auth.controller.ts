import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Optional,
  Query,
  Req,
  Res,
  UseInterceptors,
  type Type,
} from '@nestjs/common';
import type { JwtSecurityOptions } from '../config/jwt-security-options.dto.js';
import {
  InvalidRequestError,
  NotFoundError,
  ServiceUnavailableError,
  TokenMissingError,
} from '../errors/jwt-security.errors.js';
import type { JwtObjectType, TokenPair } from '../interfaces/jwt-claims.interface.js';
import { Public } from '../decorators/public.decorator.js';
import { JWT_SECURITY_KEYS, JWT_SECURITY_OPTIONS } from '../jwt-security.constants.js';
import type { JwtAuthContext } from '../internal/auth-context.js';
import { ErrorHeadersInterceptor } from '../internal/error-headers.interceptor.js';
import { loginContext, setResponseHeader, type HttpRequestLike } from '../internal/http.js';
import {
  AuthorityClient,
  type AuthorityRequest,
  type AuthorityResponse,
} from '../services/authority-client.service.js';
import type { KeyRing } from '../internal/key-ring.js';
import { JwtAuthService, type SessionInfo } from '../services/jwt-auth.service.js';
import { JwtAuthenticator } from '../services/jwt-authenticator.service.js';
import { JwtCookies } from '../services/jwt-cookies.service.js';
import { JwtTokenService } from '../services/jwt-token.service.js';
import { parseLoginBody } from './login.dto.js';
import * as docs from './jwt-auth.openapi.js';

/** Body of a successful login or refresh (field names follow the options). @publicApi */
export type TokenResponse = { status: 'success' } & Record<string, string>;

const controllers = new Map<string, Type<unknown>>();

/** What the authority may learn about the client: its user agent and address. */
function userAgentOf(request: HttpRequestLike): { userAgent?: string; clientIp?: string } {
  const userAgent = request.headers['user-agent'];
  return {
    ...(typeof userAgent === 'string' && { userAgent }),
    ...(typeof request.ip === 'string' && { clientIp: request.ip }),
  };
}

/**
 * The auth controller class mounted at `prefix`. Classes are made once per prefix, so each
 * module instance gets its own path without editing shared metadata.
 */
export function createJwtAuthController(prefix: string): Type<unknown> {
  const existing = controllers.get(prefix);
  if (existing) return existing;

  /**
   * Every route authenticates by itself and is `@Public()`, so an app-wide `JwtAuthGuard`
   * neither blocks login nor verifies a token twice.
   */
  @Public()
  @docs.ApiJwtAuthController(prefix)
  @Controller(prefix)
  @UseInterceptors(ErrorHeadersInterceptor)
  class JwtAuthController {
    constructor(
      @Inject(JWT_SECURITY_OPTIONS) readonly options: JwtSecurityOptions,
      @Inject(JWT_SECURITY_KEYS) readonly keys: KeyRing,
      readonly auth: JwtAuthService,
      readonly authenticator: JwtAuthenticator,
      readonly tokens: JwtTokenService,
      readonly cookies: JwtCookies,
      /** Present in proxy mode only: every route is then forwarded to the authority. */
      @Optional() @Inject(AuthorityClient) readonly authority: AuthorityClient | null,
    ) {}

    @docs.ApiLoginRoute()
    @Post('login')
    @HttpCode(200)
    @Header('Cache-Control', 'no-store')
    login(
      @Body() body: unknown,
      @Req() request: HttpRequestLike,
      @Res({ passthrough: true }) response: unknown,
    ): Promise<unknown> {
      return this.issue(body, request, response);
    }

    @docs.ApiLoginRoute('login')
    @Post('token')
    @HttpCode(200)
    @Header('Cache-Control', 'no-store')
    token(
      @Body() body: unknown,
      @Req() request: HttpRequestLike,
      @Res({ passthrough: true }) response: unknown,
    ): Promise<unknown> {
      return this.issue(body, request, response);
    }

    @docs.ApiRefreshRoute()
    @Post('refresh')
    @HttpCode(200)
    @Header('Cache-Control', 'no-store')
    refresh(
      @Req() request: HttpRequestLike,
      @Res({ passthrough: true }) response: unknown,
    ): Promise<unknown> {
      return this.renew(request, response);
    }

    @docs.ApiRefreshRoute('refresh')
    @Patch('token')
    @HttpCode(200)
    @Header('Cache-Control', 'no-store')
    patchToken(
      @Req() request: HttpRequestLike,
      @Res({ passthrough: true }) response: unknown,
    ): Promise<unknown> {
      return this.renew(request, response);
    }

    @docs.ApiVerifyRoute()
    @Post('verify')
    @HttpCode(200)
    async verify(
      @Req() request: HttpRequestLike,
      @Res({ passthrough: true }) response: unknown,
    ): Promise<unknown> {
      if (this.authority)
        return this.forward(response, request, { method: 'POST', path: 'verify' });
      await this.authenticate(request, 'access');
      return { status: 'success' };
    }

    @docs.ApiClaimsRoute()
    @Get('claims')
    async claims(
      @Req() request: HttpRequestLike,
      @Res({ passthrough: true }) response: unknown,
    ): Promise<unknown> {
      if (this.authority) return this.forward(response, request, { method: 'GET', path: 'token' });
      return (await this.authenticate(request, undefined)).claims;
    }

    @docs.ApiClaimsRoute('claims')
    @Get('token')
    async getToken(
      @Req() request: HttpRequestLike,
      @Query('obj') obj: unknown,
      @Res({ passthrough: true }) response: unknown,
    ): Promise<unknown> {
      if (obj !== undefined && obj !== 'access' && obj !== 'refresh') {
        throw new InvalidRequestError("obj: must be 'access' or 'refresh'.");
      }
      if (this.authority) {
        return this.forward(response, request, {
          method: 'GET',
          path: 'token',
          ...(obj !== undefined && { query: { obj } }),
        });
      }
      return (await this.authenticate(request, obj)).claims;
    }

    @docs.ApiLogoutRoute()
    @Post('logout')
    @HttpCode(200)
    async logout(
      @Req() request: HttpRequestLike,
      @Res({ passthrough: true }) response: unknown,
    ): Promise<unknown> {
      if (this.authority) {
        return this.forward(response, request, { method: 'POST', path: 'logout' }, (token) =>
          this.revokeHere(this.tokens.decode(token)?.claims.sid),
        );
      }
      const { claims } = await this.authenticate(request, undefined);
      await this.auth.logout(claims);
      this.cookies.clear(response);
      return { status: 'success' };
    }

    @docs.ApiSessionsRoute()
    @Get('sessions')
    async sessions(
      @Req() request: HttpRequestLike,
      @Res({ passthrough: true }) response: unknown,
    ): Promise<SessionInfo[] | unknown> {
      if (this.authority)
        return this.forward(response, request, { method: 'GET', path: 'sessions' });
      const { claims } = await this.authenticate(request, 'access');
      return this.auth.sessions(claims);
    }

    @docs.ApiRevokeSessionRoute()
    @Delete('sessions/:id')
    @HttpCode(204)
    async revokeSession(
      @Req() request: HttpRequestLike,
      @Param('id') id: string,
      @Res({ passthrough: true }) response: unknown,
    ): Promise<unknown> {
      // `.` and `..` would walk up the authority's path once put in its URL: no session has them.
      if (typeof id !== 'string' || id.length > 128 || id === '.' || id === '..') {
        throw new NotFoundError('No such session.');
      }
      if (this.authority) {
        return this.forward(
          response,
          request,
          { method: 'DELETE', path: `sessions/${encodeURIComponent(id)}` },
          () => this.revokeHere(id),
        );
      }
      const { claims } = await this.authenticate(request, 'access');
      await this.auth.revokeOwnSession(claims, id);
      return undefined;
    }

    @docs.ApiJwksRoute()
    @Get('jwks')
    @Header('Cache-Control', 'public, max-age=300')
    async jwks(@Res({ passthrough: true }) response: unknown): Promise<unknown> {
      if (this.options.mode === 'disabled') throw new ServiceUnavailableError();
      if (this.authority) {
        return this.send(response, await this.authority.forward({ method: 'GET', path: 'jwks' }));
      }
      const jwks = this.keys.jwks();
      if (!jwks) throw new NotFoundError('No public keys: tokens are signed with a shared secret.');
      return jwks;
    }

    private async issue(
      body: unknown,
      request: HttpRequestLike,
      response: unknown,
    ): Promise<unknown> {
      if (this.options.mode === 'disabled') throw new ServiceUnavailableError();
      const input = parseLoginBody(body);
      if (this.authority) {
        return this.send(
          response,
          await this.authority.forward({
            method: 'POST',
            path: 'token',
            body: input,
            ...userAgentOf(request),
          }),
        );
      }
      return this.respond(await this.auth.login(input, loginContext(request)), response);
    }

    private async renew(request: HttpRequestLike, response: unknown): Promise<unknown> {
      if (this.authority) {
        return this.forward(
          response,
          request,
          { method: 'PATCH', path: 'token' },
          undefined,
          'refresh',
        );
      }
      const { token, header, claims } = await this.authenticate(request, 'refresh');
      return this.respond(await this.auth.refresh({ token, header, claims }), response);
    }

    /**
     * Proxy mode: sends the caller's token to the authority and passes its answer back, whatever
     * its 4xx status (a 404 from an authority without the route included); a 5xx is a failing
     * authority: 503 `service_unavailable`, like a timeout.
     */
    private async forward(
      response: unknown,
      request: HttpRequestLike,
      call: Omit<AuthorityRequest, 'token'>,
      onSuccess?: (token: string) => void,
      expect?: JwtObjectType,
    ): Promise<unknown> {
      // No mode check: an authority client exists in proxy mode only.
      const token = this.authenticator.extractor.extract(request, expect);
      if (token === undefined) throw new TokenMissingError();
      const answer = await this.authority!.forward({
        ...call,
        token,
        ...userAgentOf(request),
      });
      if (onSuccess && answer.status >= 200 && answer.status < 300) onSuccess(token);
      return this.send(response, answer);
    }

    /**
     * Proxy mode: a session the authority just revoked is refused by this instance at once,
     * although its guard verifies tokens without asking the authority (JWKS, cached claims).
     */
    private revokeHere(sid: unknown): void {
      if (typeof sid !== 'string') return;
      const expiresAt =
        Math.floor(Date.now() / 1000) + this.options.refreshExpiration + this.options.leeway;
      this.tokens.applyRevocations([{ kind: 'session', id: sid, expiresAt }]);
    }

    /** Writes the authority's status and headers; the body is returned for Nest to send. */
    private send(response: unknown, answer: AuthorityResponse): unknown {
      (response as { status(code: number): unknown }).status(answer.status);
      for (const [name, value] of Object.entries(answer.headers))
        setResponseHeader(response, name, value);
      return answer.body;
    }

    private authenticate(
      request: HttpRequestLike,
      expect: JwtObjectType | undefined,
    ): JwtAuthContext | Promise<JwtAuthContext> {
      return this.authenticator.authenticateToken(request, expect);
    }

    /** The token response; in cookie mode the cookies too (and, cookies only, no tokens in the body). */
    private respond(pair: TokenPair, response: unknown): TokenResponse {
      this.cookies.setTokens(response, pair);
      const body: TokenResponse = { status: 'success' } as TokenResponse;
      if (!this.cookies.tokensInBody) return body;
      body[this.options.accessTokenName] = pair.accessToken;
      if (pair.refreshToken !== undefined) body[this.options.refreshTokenName] = pair.refreshToken;
      return body;
    }
  }

  controllers.set(prefix, JwtAuthController);
  return JwtAuthController;
}
