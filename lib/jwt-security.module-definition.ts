import { ConfigurableModuleBuilder } from '@nestjs/common';
import { createJwtAuthController } from './controllers/jwt-auth.controller.js';
import { normalizeRoutePrefix } from './config/validate-options.js';
import type { JwtSecurityModuleOptions } from './interfaces/jwt-security-options.interface.js';
import { DEFAULT_ROUTE_PREFIX, JWT_SECURITY_ROUTE_PREFIX } from './jwt-security.constants.js';

/**
 * Options that shape the module itself and so must be known before any factory runs.
 *
 * @publicApi
 */
export interface JwtSecurityModuleExtras {
  /** Register the module globally (its guards and services usable everywhere). Default `true`. */
  isGlobal?: boolean;
  /** Where the auth controller is mounted, `false` for none. Default `'api/auth/jwt'`. */
  routePrefix?: string | false;
}

export const {
  ConfigurableModuleClass: ConfigurableJwtSecurityModule,
  MODULE_OPTIONS_TOKEN: JWT_SECURITY_MODULE_OPTIONS,
  OPTIONS_TYPE: JWT_SECURITY_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: JWT_SECURITY_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<JwtSecurityModuleOptions>({
  moduleName: 'JwtSecurity',
  optionsInjectionToken: 'JWT_SECURITY_MODULE_OPTIONS',
})
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createJwtSecurityOptions')
  .setExtras<JwtSecurityModuleExtras>(
    { isGlobal: true, routePrefix: DEFAULT_ROUTE_PREFIX },
    (definition, extras) => {
      const routePrefix = normalizeRoutePrefix(extras.routePrefix);
      return {
        ...definition,
        global: extras.isGlobal,
        controllers: routePrefix === false ? [] : [createJwtAuthController(routePrefix)],
        providers: [
          ...(definition.providers ?? []),
          { provide: JWT_SECURITY_ROUTE_PREFIX, useValue: routePrefix },
        ],
      };
    },
  )
  .build();

/** Type of `forRoot()`'s argument. @publicApi */
export type JwtSecurityModuleForRootOptions = typeof JWT_SECURITY_OPTIONS_TYPE;
/** Type of `forRootAsync()`'s argument. @publicApi */
export type JwtSecurityModuleAsyncOptions = typeof JWT_SECURITY_ASYNC_OPTIONS_TYPE;
