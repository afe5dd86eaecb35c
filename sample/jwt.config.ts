import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import type {
  JwtAlgorithm,
  JwtSecurityModuleOptions,
  TokenLocation,
  TokenStore,
} from 'nest-jwt-security';
import { MemoryTokenStore, PostgresTokenStore, RedisTokenStore } from 'nest-jwt-security';
import { AuditLog } from './audit.listener.js';
import { UsersCredentials } from './users/users.credentials.js';

const logger = new Logger('Sample');

/** Reads the JWT_* environment (SPEC §6) into module options; the module validates them. */
export function jwtOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): JwtSecurityModuleOptions {
  const mode = (env.JWT_MODE ?? 'local') as JwtSecurityModuleOptions['mode'];
  const algorithm = (env.JWT_ALGORITHM ?? 'RS256') as JwtAlgorithm;
  const options: JwtSecurityModuleOptions = {
    mode,
    algorithm,
    // The authority checks credentials and throttles logins: a proxy takes neither option.
    ...(mode !== 'proxy' && {
      credentials: UsersCredentials,
      ...(env.JWT_LOGIN_THROTTLE === 'off' && { loginThrottle: false }),
    }),
    eventListener: AuditLog,
    store: storeFromEnv(env.JWT_STORE),
    // Header for API clients and curl, cookies for the browser demo at /demo (local mode only:
    // a proxy reads the header alone).
    tokenLocation: tokenLocationFromEnv(env.JWT_TOKEN_LOCATION, mode),
    ...number('accessExpiration', env.JWT_ACCESS_EXPIRATION),
    ...number('refreshExpiration', env.JWT_REFRESH_EXPIRATION),
    ...text('audience', env.JWT_AUDIENCE),
    ...text('issuer', env.JWT_ISSUER),
    ...text('authType', env.JWT_AUTH_TYPE),
    ...text('httpHeader', env.JWT_HTTP_HEADER),
    ...text('authority', env.JWT_AUTHORITY),
    ...text('secret', env.JWT_SECRET),
    ...(env.JWT_PRIVATE_KEY_FILE && { privateKey: readFileSync(env.JWT_PRIVATE_KEY_FILE, 'utf8') }),
    ...(env.JWT_PUBLIC_KEY_FILE && { publicKey: readFileSync(env.JWT_PUBLIC_KEY_FILE, 'utf8') }),
  };
  if (mode === 'local') addEphemeralKeys(options, algorithm);
  return options;
}

/** `JWT_ROUTE_PREFIX`: a path, or `false`/`none` to mount no auth controller. */
export function routePrefixFromEnv(env: NodeJS.ProcessEnv = process.env): string | false {
  const value = env.JWT_ROUTE_PREFIX;
  if (value === undefined || value === '') return 'api/auth/jwt';
  return value === 'false' || value === 'none' ? false : value;
}

/** `JWT_TOKEN_LOCATION`: `header,cookie` by default in local mode, `header` in proxy mode. */
function tokenLocationFromEnv(
  value: string | undefined,
  mode: JwtSecurityModuleOptions['mode'],
): TokenLocation[] {
  if (value === undefined || value === '') {
    return mode === 'proxy' ? ['header'] : ['header', 'cookie'];
  }
  return value.split(',').map((part) => part.trim()) as TokenLocation[];
}

/** `JWT_STORE`: `memory` (default), a `redis://` / `rediss://` URL or a `postgres://` URL. */
function storeFromEnv(value: string | undefined): TokenStore {
  if (value === undefined || value === '' || value === 'memory') return new MemoryTokenStore();
  if (/^rediss?:\/\//i.test(value)) return new RedisTokenStore({ url: value });
  if (/^postgres(ql)?:\/\//i.test(value)) return new PostgresTokenStore({ url: value });
  throw new Error(`JWT_STORE: expected memory, a redis:// URL or a postgres:// URL`);
}

/** With no key given, makes one for this process only, and says so. */
function addEphemeralKeys(options: JwtSecurityModuleOptions, algorithm: JwtAlgorithm): void {
  if (algorithm.startsWith('HS')) {
    if (options.secret !== undefined) return;
    options.secret = randomBytes(64);
    logger.warn(
      `No JWT_SECRET given: using an ephemeral ${algorithm} secret; tokens die with this process`,
    );
    return;
  }
  if (options.privateKey !== undefined || options.publicKey !== undefined) return;
  const { privateKey, publicKey } = generateKeyPair(algorithm);
  options.privateKey = privateKey;
  options.publicKey = publicKey;
  logger.warn(
    `No JWT_PRIVATE_KEY_FILE given: using an ephemeral ${algorithm} key pair; tokens die with this process`,
  );
}

function generateKeyPair(algorithm: JwtAlgorithm): { privateKey: KeyObject; publicKey: KeyObject } {
  const curves: Record<string, string> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };
  if (algorithm === 'EdDSA') return generateKeyPairSync('ed25519');
  const namedCurve = curves[algorithm];
  if (namedCurve) return generateKeyPairSync('ec', { namedCurve });
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}

function number(name: string, value: string | undefined): Record<string, number> {
  return value === undefined || value === '' ? {} : { [name]: Number(value) };
}

function text(name: string, value: string | undefined): Record<string, string> {
  return value === undefined || value === '' ? {} : { [name]: value };
}
