import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { JwtSecurityOptions } from '../config/jwt-security-options.dto.js';
import {
  InvalidCredentialsError,
  InvalidRequestError,
  JwtSecurityError,
  NotFoundError,
  ServiceUnavailableError,
  TokenRevokedError,
} from '../errors/jwt-security.errors.js';
import type {
  CredentialsValidator,
  LoginContext,
} from '../interfaces/credentials-validator.interface.js';
import type { JwtClaims, TokenPair, VerifiedToken } from '../interfaces/jwt-claims.interface.js';
import type { ClaimsLoader } from '../interfaces/principal-loader.interface.js';
import { JWT_SECURITY_OPTIONS, RESERVED_CLAIMS } from '../jwt-security.constants.js';
import { resolveProvided } from '../internal/resolve-provided.js';
import { describe } from '../internal/store-call.js';
import { TokenStore, type NewTokenRecord } from '../stores/token-store.js';
import { JwtSecurityEvents } from './jwt-security-events.service.js';
import { LoginThrottler } from './login-throttler.service.js';
import { JwtTokenService } from './jwt-token.service.js';

/** A login request, as the auth controller validated it. @publicApi */
export interface LoginInput {
  login: string;
  password: string;
  /** Client-requested claims, accepted only when allow-listed by `allowedClaims`. */
  claims?: Record<string, unknown>;
}

/** One session of the caller, as `GET /sessions` lists it. @publicApi */
export interface SessionInfo {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  userAgent: string | null;
  ip: string | null;
  /** `true` for the session of the token that asked. */
  current: boolean;
}

/**
 * Login, refresh, logout and sessions: the local authority's side of the auth controller,
 * usable from an app's own code too (e.g. to log a user in right after sign-up).
 *
 * @publicApi
 */
@Injectable()
export class JwtAuthService implements OnModuleInit {
  private readonly logger = new Logger('JwtSecurityModule');
  private credentials?: CredentialsValidator;
  private claimsLoader?: ClaimsLoader;

  constructor(
    @Inject(JWT_SECURITY_OPTIONS) private readonly options: JwtSecurityOptions,
    private readonly tokens: JwtTokenService,
    private readonly store: TokenStore,
    private readonly moduleRef: ModuleRef,
    private readonly events: JwtSecurityEvents,
    private readonly throttler: LoginThrottler,
  ) {}

  async onModuleInit(): Promise<void> {
    this.credentials = await resolveProvided(this.moduleRef, this.options.credentials);
    this.claimsLoader = await resolveProvided(this.moduleRef, this.options.claimsLoader);
    if (!this.credentials && this.options.mode === 'local' && this.options.routePrefix !== false) {
      this.logger.warn(
        'No credentials validator configured: login answers 503 service_unavailable',
      );
    }
  }

  /** Checks credentials and opens a session. Throws `InvalidCredentialsError` when refused. */
  async login(input: LoginInput, context: LoginContext = {}): Promise<TokenPair> {
    this.assertLocal();
    if (!this.credentials) {
      throw new ServiceUnavailableError('Login is not configured on this server.');
    }
    const requested = this.checkRequestedClaims(input.claims);
    await this.throttler.attempt(input.login, context);
    let principal;
    try {
      principal = await this.credentials.validate(input.login, input.password, context);
    } catch (error) {
      if (error instanceof JwtSecurityError) throw error;
      this.logger.error(`CredentialsValidator failed: ${describe(error)}`);
      throw new ServiceUnavailableError(undefined, { cause: error });
    }
    if (!principal || typeof principal.sub !== 'string' || principal.sub.length === 0) {
      this.events.emit({
        type: 'login.failed',
        code: 'invalid_credentials',
        ...who(input.login, context),
      });
      throw new InvalidCredentialsError();
    }
    const loaded = await this.loadClaims(principal.sub, 'login');
    const pair = this.tokens.issue({
      sub: principal.sub,
      claims: { ...principal.claims, ...loaded, ...requested },
      fresh: true,
    });
    const access = pair.access;
    const refresh = pair.refresh!;
    await this.tokens.callStore(() =>
      this.store.createSession(
        {
          sid: access.sid,
          sub: access.sub,
          createdAt: access.iat,
          expiresAt: refresh.exp,
          ...(context.userAgent !== undefined && { userAgent: context.userAgent }),
          ...(context.ip !== undefined && { ip: context.ip }),
        },
        [record(refresh), record(access)],
      ),
    );
    await this.throttler.succeeded(input.login);
    this.events.emit({
      type: 'login.succeeded',
      sub: access.sub,
      sid: access.sid,
      ...who(input.login, context),
    });
    return pair;
  }

  /**
   * Trades a verified refresh token for a new access token and, with `rotateRefreshTokens`, a
   * new refresh token. A refresh token presented again after rotation revokes its session.
   */
  async refresh(refreshToken: VerifiedToken): Promise<TokenPair> {
    this.assertLocal();
    const previous = refreshToken.claims;
    const custom: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(previous)) {
      if (!RESERVED_CLAIMS.has(name)) custom[name] = value;
    }
    const loaded = await this.loadClaims(previous.sub, 'refresh');
    const rotate = this.options.rotateRefreshTokens;
    const pair = this.tokens.issue({
      sub: previous.sub,
      sid: previous.sid,
      claims: { ...custom, ...loaded },
      parent: previous.jti,
      withRefresh: rotate,
    });
    const records = [record(pair.access, previous.jti)];
    if (pair.refresh) records.unshift(record(pair.refresh, previous.jti));
    const outcome = await this.tokens.callStore(() =>
      this.store.rotateRefreshToken({
        jti: previous.jti,
        sid: previous.sid,
        tokens: records,
        retire: rotate,
        sessionExpiresAt: Math.max(pair.refresh?.exp ?? previous.exp, pair.access.exp),
        now: pair.access.iat,
        reuseGrace: this.options.refreshReuseGrace,
        leeway: this.options.leeway,
      }),
    );
    if (outcome === 'rotated') {
      this.events.emit({
        type: 'token.refreshed',
        sub: previous.sub,
        sid: previous.sid,
        jti: previous.jti,
      });
      return pair;
    }
    if (outcome === 'superseded') throw new TokenRevokedError();
    if (outcome === 'reused') {
      this.logger.warn(`Refresh token reused: session ${previous.sid} of ${previous.sub} revoked`);
      const ids = { sub: previous.sub, sid: previous.sid, jti: previous.jti };
      this.events.emit({ type: 'refresh.reused', ...ids });
      this.events.emit({ type: 'session.revoked', reason: 'reuse', ...ids });
    }
    // Mirror what the store says, no more: a revoked (or unknown) refresh token leaves the rest
    // of its session alone.
    if (outcome === 'reused' || outcome === 'session_revoked') {
      this.tokens.markRevoked('session', [previous.sid]);
    } else {
      this.tokens.markRevoked('token', [previous.jti]);
    }
    throw new TokenRevokedError();
  }

  /** Revokes the session of the given token (access or refresh). */
  async logout(claims: JwtClaims): Promise<void> {
    await this.tokens.revokeSession(claims.sid);
    this.events.emit({
      type: 'session.revoked',
      reason: 'logout',
      sub: claims.sub,
      sid: claims.sid,
    });
  }

  /** The caller's sessions, newest first. */
  async sessions(claims: JwtClaims): Promise<SessionInfo[]> {
    const now = Math.floor(Date.now() / 1000);
    const sessions = await this.tokens.callStore(() => this.store.listSessions(claims.sub, now));
    return sessions.map((s) => ({
      id: s.sid,
      createdAt: iso(s.createdAt),
      lastUsedAt: iso(s.lastUsedAt),
      expiresAt: iso(s.expiresAt),
      userAgent: s.userAgent ?? null,
      ip: s.ip ?? null,
      current: s.sid === claims.sid,
    }));
  }

  /**
   * Revokes one of the caller's sessions. Another subject's session, one already revoked and
   * one that expired (whether or not the store still keeps its record) are `NotFoundError`.
   */
  async revokeOwnSession(claims: JwtClaims, sid: string): Promise<void> {
    const session = await this.tokens.callStore(() => this.store.findSession(sid));
    const now = Math.floor(Date.now() / 1000);
    if (
      !session ||
      session.sub !== claims.sub ||
      session.revokedAt !== undefined ||
      session.expiresAt <= now
    ) {
      throw new NotFoundError('No such session.');
    }
    await this.tokens.revokeSession(sid);
    this.events.emit({ type: 'session.revoked', reason: 'revoked', sub: claims.sub, sid });
  }

  private assertLocal(): void {
    if (this.options.mode !== 'local') throw new ServiceUnavailableError();
  }

  private checkRequestedClaims(
    requested: Record<string, unknown> | undefined,
  ): Record<string, unknown> {
    if (requested === undefined) return {};
    const accepted: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(requested)) {
      const allowed = Object.hasOwn(this.options.allowedClaims, name)
        ? this.options.allowedClaims[name]
        : undefined;
      if (!allowed || !allowed.includes(value as string | number | boolean)) {
        throw new InvalidRequestError(
          `claims: "${safeName(name)}" is not allowed with that value.`,
        );
      }
      accepted[name] = value;
    }
    return accepted;
  }

  private async loadClaims(
    sub: string,
    grant: 'login' | 'refresh',
  ): Promise<Record<string, unknown>> {
    if (!this.claimsLoader) return {};
    try {
      return (await this.claimsLoader.loadClaims(sub, { grant })) ?? {};
    } catch (error) {
      if (error instanceof JwtSecurityError) throw error;
      this.logger.error(`ClaimsLoader failed: ${describe(error)}`);
      throw new ServiceUnavailableError(undefined, { cause: error });
    }
  }
}

function record(claims: JwtClaims, parent?: string): NewTokenRecord {
  return {
    jti: claims.jti,
    sid: claims.sid,
    sub: claims.sub,
    obj: claims.obj,
    issuedAt: claims.iat,
    expiresAt: claims.exp,
    ...(parent !== undefined && { parent }),
  };
}

/** Who tried to log in, for audit events: login name (bounded), address, user agent. */
function who(
  login: string,
  context: LoginContext,
): { login: string; ip?: string; userAgent?: string } {
  return {
    login: login.slice(0, 128),
    ...(context.ip !== undefined && { ip: context.ip }),
    ...(context.userAgent !== undefined && { userAgent: context.userAgent }),
  };
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

/** A claim name fit for an error message: short, printable, nothing else from the request. */
function safeName(name: string): string {
  return name.replace(/[^\w.-]/g, '?').slice(0, 64);
}
