import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy, type StrategyOptionsWithRequest } from 'passport-jwt';
import type { JwtSecurityOptions } from '../config/jwt-security-options.dto.js';
import {
  JwtSecurityError,
  ServiceUnavailableError,
  TokenExpiredError,
  TokenInvalidError,
  TokenMalformedError,
  TokenMissingError,
} from '../errors/jwt-security.errors.js';
import type {
  JwtClaims,
  JwtObjectType,
  VerifiedToken,
} from '../interfaces/jwt-claims.interface.js';
import {
  JWT_SECURITY_KEYS,
  JWT_SECURITY_OPTIONS,
  JWT_SECURITY_STRATEGY,
} from '../jwt-security.constants.js';
import { responseOfRequest } from '../internal/fastify-reply.js';
import type { HttpRequestLike } from '../internal/http.js';
import type { KeyRing } from '../internal/key-ring.js';
import { JwtAuthenticator } from '../services/jwt-authenticator.service.js';
import { JwtTokenService } from '../services/jwt-token.service.js';

const EXTRACTION_ERROR = Symbol('jwt-security.extraction-error');
const VERIFIED = Symbol('jwt-security.verified');
const EXPECT = Symbol('jwt-security.expect');

/** Options `AuthGuard('jwt-security')` subclasses may return from `getAuthenticateOptions()`. @publicApi */
export interface JwtSecurityAuthenticateOptions {
  /** Kind of token accepted. Default `'access'`. */
  jwtObject?: JwtObjectType;
}

/**
 * The passport-jwt strategy, registered as `'jwt-security'` for `AuthGuard('jwt-security')` and
 * for apps that combine strategies. It shares the module's pre-imported keys and checks: the
 * module's verification runs first (so both paths give the same answers), then passport-jwt's
 * jsonwebtoken check with the same `KeyObject`, then the principal loader. EdDSA, which
 * jsonwebtoken does not implement, and proxy mode, whose keys come from the authority, are
 * verified by the module's path alone.
 *
 * @publicApi
 */
@Injectable()
export class JwtSecurityStrategy extends PassportStrategy(Strategy, JWT_SECURITY_STRATEGY) {
  private readonly nativeOnly: boolean;

  constructor(
    @Inject(JWT_SECURITY_OPTIONS) private readonly options: JwtSecurityOptions,
    @Inject(JWT_SECURITY_KEYS) keys: KeyRing,
    private readonly authenticator: JwtAuthenticator,
    tokens: JwtTokenService,
  ) {
    const strategyOptions: StrategyOptionsWithRequest = {
      passReqToCallback: true,
      // Both callbacks run from authenticate(), which has set req[EXPECT].
      jwtFromRequest: (request) => {
        const req = request as unknown as HttpRequestLike;
        try {
          return authenticator.extractor.extract(req, req[EXPECT] as JwtObjectType) ?? null;
        } catch (error) {
          req[EXTRACTION_ERROR] = error;
          return null;
        }
      },
      // Local mode only (proxy mode is native-only), where the module verifies synchronously.
      secretOrKeyProvider: (request, rawJwtToken: string, done) => {
        const req = request as unknown as HttpRequestLike;
        let verified: VerifiedToken;
        try {
          verified = tokens.verifySync(rawJwtToken, { expect: req[EXPECT] as JwtObjectType });
        } catch (error) {
          return done(error, undefined);
        }
        req[VERIFIED] = verified;
        const kid = verified.header.kid;
        const key = kid === undefined ? keys.current : keys.byKid.get(kid);
        done(null, key!.key as never);
      },
      algorithms: keys.algorithms.filter((alg) => alg !== 'EdDSA'),
      ...(options.audience !== undefined && { audience: options.audience }),
      ...(options.issuer !== undefined && { issuer: options.issuer }),
      jsonWebTokenOptions: { clockTolerance: options.leeway },
    };
    super(strategyOptions);
    // jsonwebtoken has no EdDSA, and in proxy mode the keys come from the authority at run time.
    this.nativeOnly = keys.algorithms.includes('EdDSA') || options.mode === 'proxy';
  }

  /** Runs once per request, on the per-request object passport derives from the strategy. */
  override authenticate(request: unknown, options?: JwtSecurityAuthenticateOptions): void {
    const req = request as HttpRequestLike;
    req[EXPECT] = options?.jwtObject ?? 'access';
    // Every failure becomes the module's error, so AuthGuard('jwt-security') answers with the
    // same status and code as JwtAuthGuard.
    // Same challenge header (on Express's req.res, or the reply FastifyReplyLink recorded on a
    // Fastify request) and the same audit event as JwtAuthGuard.
    const error = this.error.bind(this);
    this.error = ((err: Error) => {
      if (err instanceof JwtSecurityError) {
        this.authenticator.reject(responseOfRequest(req), err, req);
      }
      error(err);
    }) as never;
    this.fail = ((info: unknown) => this.error(toJwtSecurityError(info, req))) as never;
    if (this.options.mode === 'disabled') return this.error(new ServiceUnavailableError());
    if (this.nativeOnly) return this.authenticateNatively(req);
    super.authenticate(request as never, options);
  }

  async validate(request: HttpRequestLike): Promise<JwtClaims> {
    const verified = request[VERIFIED] as VerifiedToken;
    return (await this.authenticator.completeRequest(request, verified)).claims;
  }

  /** The module's path alone: the same one the auth controller authenticates with. */
  private authenticateNatively(req: HttpRequestLike): void {
    try {
      Promise.resolve(this.authenticator.authenticateToken(req, req[EXPECT] as JwtObjectType)).then(
        (auth) => this.success(auth.claims),
        (error: unknown) => this.error(toJwtSecurityError(error, req)),
      );
    } catch (error) {
      this.error(toJwtSecurityError(error, req));
    }
  }
}

/** Maps what passport-jwt and jsonwebtoken report to the module's errors. */
function toJwtSecurityError(info: unknown, request: HttpRequestLike): Error {
  if (info instanceof JwtSecurityError) return info;
  const extraction = request[EXTRACTION_ERROR];
  if (extraction instanceof JwtSecurityError) return extraction;
  if (!(info instanceof Error)) return new TokenMissingError();
  switch (info.name) {
    case 'TokenExpiredError':
      return new TokenExpiredError({ cause: info });
    case 'NotBeforeError':
      return new TokenInvalidError({ cause: info });
    case 'JsonWebTokenError':
      return info.message === 'jwt malformed'
        ? new TokenMalformedError({ cause: info })
        : new TokenInvalidError({ cause: info });
    default:
      return info.message === 'No auth token' ? new TokenMissingError() : info;
  }
}
