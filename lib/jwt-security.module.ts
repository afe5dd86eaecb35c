import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { openApiProvider } from './controllers/jwt-auth.openapi.js';
import { JwtObjectGuard } from './guards/jwt-object.guard.js';
import { JwtSecurityHealthIndicator } from './health/jwt-security.health.js';
import { JwtAuthGuard } from './guards/jwt-auth.guard.js';
import { ErrorHeadersInterceptor } from './internal/error-headers.interceptor.js';
import { FastifyReplyLink } from './internal/fastify-reply.js';
import { ConfigurableJwtSecurityModule } from './jwt-security.module-definition.js';
import {
  authorityProvider,
  configProvider,
  keysProvider,
  optionsProvider,
  storeProvider,
} from './jwt-security.providers.js';
import { JWT_SECURITY_OPTIONS } from './jwt-security.constants.js';
import { JwtAuthService } from './services/jwt-auth.service.js';
import { JwtAuthenticator } from './services/jwt-authenticator.service.js';
import { JwtSecurityEvents } from './services/jwt-security-events.service.js';
import { JwtCookies } from './services/jwt-cookies.service.js';
import { LoginThrottler } from './services/login-throttler.service.js';
import { JwtTokenService } from './services/jwt-token.service.js';
import { JwtTokenRegistry } from './services/jwt-token-registry.service.js';
import { JwtSecurityStrategy } from './strategies/jwt-security.strategy.js';
import { TokenStore } from './stores/token-store.js';

/**
 * JWT authentication for a Nest app: tokens, refresh, revocation, sessions, guards and
 * decorators, in local or proxy mode.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [
 *     JwtSecurityModule.forRoot({
 *       algorithm: 'ES256',
 *       privateKey: readFileSync('keys/private.pem', 'utf8'),
 *       publicKey: readFileSync('keys/public.pem', 'utf8'),
 *       credentials: UsersCredentials,
 *     }),
 *   ],
 * })
 * export class AppModule {}
 * ```
 * @publicApi
 */
@Module({
  imports: [PassportModule],
  providers: [
    configProvider,
    optionsProvider,
    keysProvider,
    storeProvider,
    authorityProvider,
    JwtTokenService,
    JwtTokenRegistry,
    JwtAuthenticator,
    JwtAuthService,
    JwtSecurityEvents,
    LoginThrottler,
    JwtCookies,
    JwtSecurityStrategy,
    JwtAuthGuard,
    JwtObjectGuard,
    ErrorHeadersInterceptor,
    FastifyReplyLink,
    openApiProvider,
    JwtSecurityHealthIndicator,
  ],
  exports: [
    JWT_SECURITY_OPTIONS,
    TokenStore,
    JwtTokenService,
    JwtTokenRegistry,
    JwtAuthenticator,
    JwtAuthService,
    JwtSecurityEvents,
    JwtAuthGuard,
    JwtObjectGuard,
    JwtSecurityHealthIndicator,
  ],
})
export class JwtSecurityModule extends ConfigurableJwtSecurityModule {}
