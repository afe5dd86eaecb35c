import { Test, type TestingModule } from '@nestjs/testing';
import type { LoggerService } from '@nestjs/common';
import type { JwtSecurityModuleOptions } from '../../lib/interfaces/jwt-security-options.interface.js';
import { JwtSecurityModule } from '../../lib/jwt-security.module.js';
import { JwtTokenService } from '../../lib/services/jwt-token.service.js';
import { TokenStore } from '../../lib/stores/token-store.js';

/** A logger that swallows everything, so unit test output stays clean. */
export const silentLogger: LoggerService = {
  log: () => undefined,
  error: () => undefined,
  warn: () => undefined,
  debug: () => undefined,
  verbose: () => undefined,
};

export interface TokenModule {
  moduleRef: TestingModule;
  tokens: JwtTokenService;
  store: TokenStore;
  close(): Promise<void>;
}

/**
 * Compiles `JwtSecurityModule.forRoot(options)` (no controller) through `@nestjs/testing` and
 * runs its lifecycle hooks, as an app would at start-up.
 */
export async function tokenModule(options: JwtSecurityModuleOptions): Promise<TokenModule> {
  const moduleRef = await Test.createTestingModule({
    imports: [JwtSecurityModule.forRoot({ ...options, routePrefix: false })],
  })
    .setLogger(silentLogger)
    .compile();
  await moduleRef.init();
  return {
    moduleRef,
    tokens: moduleRef.get(JwtTokenService),
    store: moduleRef.get(TokenStore),
    close: () => moduleRef.close(),
  };
}
