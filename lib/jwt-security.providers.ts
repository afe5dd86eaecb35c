import { Logger, type Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { JwtSecurityOptions } from './config/jwt-security-options.dto.js';
import { validateOptions, type JwtSecurityConfig } from './config/validate-options.js';
import type { JwtSecurityModuleOptions } from './interfaces/jwt-security-options.interface.js';
import { JWT_SECURITY_MODULE_OPTIONS } from './jwt-security.module-definition.js';
import {
  JWT_SECURITY_KEYS,
  JWT_SECURITY_OPTIONS,
  JWT_SECURITY_ROUTE_PREFIX,
} from './jwt-security.constants.js';
import { resolveProvided } from './internal/resolve-provided.js';
import { AuthorityClient } from './services/authority-client.service.js';
import { MemoryTokenStore } from './stores/memory-token.store.js';
import { TokenStore } from './stores/token-store.js';

const JWT_SECURITY_CONFIG = Symbol('JWT_SECURITY_CONFIG');

/** The one provider that reads the raw options: validates them and imports the keys. */
export const configProvider: Provider = {
  provide: JWT_SECURITY_CONFIG,
  useFactory: (raw: JwtSecurityModuleOptions, routePrefix: string | false) =>
    validateOptions(raw, routePrefix),
  inject: [JWT_SECURITY_MODULE_OPTIONS, JWT_SECURITY_ROUTE_PREFIX],
};

export const optionsProvider: Provider = {
  provide: JWT_SECURITY_OPTIONS,
  useFactory: (config: JwtSecurityConfig) => config.options,
  inject: [JWT_SECURITY_CONFIG],
};

export const keysProvider: Provider = {
  provide: JWT_SECURITY_KEYS,
  useFactory: (config: JwtSecurityConfig) => config.keys,
  inject: [JWT_SECURITY_CONFIG],
};

/** The authority's client in proxy mode, `null` otherwise: the one place the mode is decided. */
export const authorityProvider: Provider = {
  provide: AuthorityClient,
  useFactory: (options: JwtSecurityOptions) =>
    options.mode === 'proxy' ? new AuthorityClient(options) : null,
  inject: [JWT_SECURITY_OPTIONS],
};

/**
 * The `store` option, or a `MemoryTokenStore` when there is none. A class is the app's own
 * provider when registered there (as for every other class option), else a new instance.
 */
export const storeProvider: Provider = {
  provide: TokenStore,
  useFactory: async (options: JwtSecurityOptions, moduleRef: ModuleRef): Promise<TokenStore> => {
    const store = (await resolveProvided<TokenStore>(
      moduleRef,
      options.store ?? MemoryTokenStore,
    ))!;
    if (store instanceof MemoryTokenStore) {
      new Logger('JwtSecurityModule').log(
        'MemoryTokenStore: sessions and revocations live in this process only and are lost on restart',
      );
    }
    return store;
  },
  inject: [JWT_SECURITY_OPTIONS, ModuleRef],
};
