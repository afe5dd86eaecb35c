import { Logger } from '@nestjs/common';
import { validateSync, type ValidationError } from 'class-validator';
import type {
  CookieOptions,
  JwtSecurityModuleOptions,
} from '../interfaces/jwt-security-options.interface.js';
import type { CookieSettings } from '../internal/cookies.js';
import { importKeyRing, type KeyRing } from '../internal/key-ring.js';
import {
  JwtSecurityOptionsDto,
  markExplicitOptions,
  ROUTE_PATH,
  VerificationKeyDto,
  type JwtSecurityOptions,
} from './jwt-security-options.dto.js';

/**
 * Thrown at start-up when the options break a rule: one `option: problem` line per rule.
 *
 * @publicApi
 */
export class JwtSecurityConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid JwtSecurityModule options:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'JwtSecurityConfigError';
  }
}

/** Validated options and the keys imported from them. */
export interface JwtSecurityConfig {
  options: JwtSecurityOptions;
  keys: KeyRing;
}

const KNOWN_OPTIONS = new Set(
  Object.keys(new JwtSecurityOptionsDto()).concat([
    'secret',
    'privateKey',
    'publicKey',
    'keyId',
    'audience',
    'issuer',
    'authority',
    'credentials',
    'principalLoader',
    'claimsLoader',
    'eventListener',
    'store',
  ]),
);

/** Options the key import depends on: a problem on one of them skips the import. */
const KEY_OPTIONS = /^(mode|algorithm|secret|privateKey|publicKey|keyId|verificationKeys)[:.[]/;

/** Checks `routePrefix` and returns it without surrounding slashes (`false`: no controller). */
export function normalizeRoutePrefix(value: unknown): string | false {
  if (value === false) return false;
  if (typeof value !== 'string' || !ROUTE_PATH.test(value)) {
    throw new JwtSecurityConfigError([
      'routePrefix: must be a URL path such as "api/auth/jwt", or false to mount no controller',
    ]);
  }
  return value.replace(/^\/+|\/+$/g, '');
}

/**
 * Turns the raw options into the validated, frozen options and the imported keys, or throws one
 * `JwtSecurityConfigError` listing every broken rule.
 */
export async function validateOptions(
  raw: JwtSecurityModuleOptions | undefined,
  routePrefix: string | false,
  logger = new Logger('JwtSecurityModule'),
): Promise<JwtSecurityConfig> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new JwtSecurityConfigError(['options: must be an object']);
  }
  const problems: string[] = [];
  const dto = new JwtSecurityOptionsDto();
  const given: string[] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (name === 'routePrefix') {
      problems.push(
        'routePrefix: pass it to forRootAsync() beside useFactory (routes are decided before the factory runs)',
      );
    } else if (!KNOWN_OPTIONS.has(name)) {
      problems.push(`${name}: unknown option`);
    } else if (value !== undefined) {
      (dto as unknown as Record<string, unknown>)[name] = value;
      given.push(name);
    }
  }
  if (Array.isArray(dto.verificationKeys)) {
    dto.verificationKeys = dto.verificationKeys.map((entry) =>
      Object.assign(new VerificationKeyDto(), entry),
    );
  }
  markExplicitOptions(dto, given);
  problems.push(...flatten(validateSync(dto, { forbidUnknownValues: false })));
  // Keys are checked as soon as the options they depend on are valid, so that one error lists
  // the key problems together with the others.
  if (problems.some((p) => KEY_OPTIONS.test(p))) throw new JwtSecurityConfigError(problems);
  // In production a short HMAC secret is refused; elsewhere it is a warning.
  const imported = await importKeyRing({
    ...dto,
    strictSecrets: process.env.NODE_ENV === 'production',
  });
  problems.push(...imported.problems);
  if (problems.length > 0 || !imported.ring) throw new JwtSecurityConfigError(problems);
  for (const warning of imported.warnings) logger.warn(warning);

  const options: JwtSecurityOptions = Object.freeze({
    ...dto,
    verificationKeys: Object.freeze(dto.verificationKeys.map((k) => Object.freeze({ ...k }))),
    allowedClaims: Object.freeze({ ...dto.allowedClaims }),
    routePrefix,
    cookieSettings: Object.freeze(cookieSettings(dto.cookies, routePrefix)),
  });
  return { options, keys: imported.ring };
}

function cookieSettings(given: CookieOptions, routePrefix: string | false): CookieSettings {
  return {
    accessName: given.accessName ?? 'access_token',
    refreshName: given.refreshName ?? 'refresh_token',
    csrfAccessName: given.csrfAccessName ?? 'csrf_access_token',
    csrfRefreshName: given.csrfRefreshName ?? 'csrf_refresh_token',
    csrfHeader: given.csrfHeader ?? 'X-CSRF-Token',
    csrf: given.csrf ?? true,
    secure: given.secure ?? true,
    sameSite: given.sameSite ?? 'lax',
    ...(given.domain !== undefined && { domain: given.domain }),
    path: given.path ?? '/',
    // The refresh route only (Flask-JWT-Extended's refresh cookie path): the refresh token is not
    // sent with every other auth request. PATCH /token then needs it in the header.
    refreshPath: given.refreshPath ?? (routePrefix === false ? '/' : `/${routePrefix}/refresh`),
  };
}

function flatten(errors: ValidationError[], path = ''): string[] {
  return errors.flatMap((error) => {
    const name = /^\d+$/.test(error.property)
      ? `${path}[${error.property}]`
      : `${path}${path ? '.' : ''}${error.property}`;
    const constraints = error.constraints ?? {};
    // A missing option breaks one rule (its type checks would repeat it); equal messages once.
    const messages = constraints.isDefined
      ? [constraints.isDefined]
      : [...new Set(Object.values(constraints))];
    const own = messages.map(
      // class-validator's default messages start with the property name: keep it once.
      (message) =>
        `${name}: ${message.startsWith(`${error.property} `) ? message.slice(error.property.length + 1) : message}`,
    );
    return own.concat(flatten(error.children ?? [], name));
  });
}
