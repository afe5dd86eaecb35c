import { Inject, Injectable, Optional } from '@nestjs/common';
import type { JwtSecurityOptions } from '../config/jwt-security-options.dto.js';
import type { JwtSecurityMode } from '../interfaces/jwt-security-options.interface.js';
import { JWT_SECURITY_OPTIONS } from '../jwt-security.constants.js';
import { withTimeout } from '../internal/store-call.js';
import { AuthorityClient } from '../services/authority-client.service.js';
import { TokenStore } from '../stores/token-store.js';

/**
 * The health of one part of the module: the token store or the remote authority. Details
 * never carry a secret, a token or a URL.
 *
 * @publicApi
 */
export interface JwtSecurityPartHealth {
  status: 'up' | 'down';
  /** Milliseconds the probe took. */
  responseTime: number;
  /** Why the part is down: `no answer within <n> ms`, `answered <status>` or `unreachable`. */
  message?: string;
}

/** Store health: the part's health and the store's class, e.g. `RedisTokenStore`. @publicApi */
export interface JwtSecurityStoreHealth extends JwtSecurityPartHealth {
  type: string;
}

/** Authority health (proxy mode): the part's health and the status its JWKS route answered. @publicApi */
export interface JwtSecurityAuthorityHealth extends JwtSecurityPartHealth {
  httpStatus?: number;
}

/**
 * What the checks return: one entry under `key`, as @nestjs/terminus expects of a health
 * indicator (its `HealthIndicatorResult`).
 *
 * @publicApi
 */
export type JwtSecurityHealthResult<Key extends string, Details extends object> = Record<
  Key,
  Details & { status: 'up' | 'down' }
>;

/** Details of `isHealthy()`: the mode, the store, and the authority in proxy mode. @publicApi */
export interface JwtSecurityHealth {
  status: 'up' | 'down';
  mode: JwtSecurityMode;
  store: JwtSecurityStoreHealth;
  authority?: JwtSecurityAuthorityHealth;
}

/** Looked up in the store by the probe: no token or session has this id. */
const PROBE_ID = 'jwt-security:health-probe';

/**
 * A health indicator for @nestjs/terminus: probes the token store (one cheap read, bounded by
 * `storeTimeout`) and, in proxy mode, the authority (`GET {authorityPrefix}/jwks`, bounded by
 * `authorityTimeout`). A part that fails or does not answer in time is reported `down`, which
 * makes `HealthCheckService.check()` answer 503.
 *
 * It returns terminus' result shape without importing terminus (an optional peer dependency),
 * so it is provided by `JwtSecurityModule` whether or not terminus is installed.
 *
 * @example
 * ```ts
 * @Controller('health')
 * export class HealthController {
 *   constructor(
 *     private readonly health: HealthCheckService,
 *     private readonly jwt: JwtSecurityHealthIndicator,
 *   ) {}
 *
 *   @Get()
 *   @HealthCheck()
 *   check() {
 *     return this.health.check([() => this.jwt.isHealthy('jwt-security')]);
 *   }
 * }
 * ```
 * @publicApi
 */
@Injectable()
export class JwtSecurityHealthIndicator {
  constructor(
    @Inject(JWT_SECURITY_OPTIONS) private readonly options: JwtSecurityOptions,
    private readonly store: TokenStore,
    /** Present in proxy mode only. */
    @Optional() @Inject(AuthorityClient) private readonly authority: AuthorityClient | null,
  ) {}

  /** The store and, in proxy mode, the authority, under one key: `down` if either is. */
  async isHealthy<const Key extends string = 'jwt-security'>(
    key: Key = 'jwt-security' as Key,
  ): Promise<JwtSecurityHealthResult<Key, JwtSecurityHealth>> {
    const [store, authority] = await Promise.all([
      this.probeStore(),
      this.authority ? this.probeAuthority(this.authority) : undefined,
    ]);
    const down = store.status === 'down' || authority?.status === 'down';
    const health: JwtSecurityHealth = {
      status: down ? 'down' : 'up',
      mode: this.options.mode,
      store,
      ...(authority && { authority }),
    };
    return { [key]: health } as JwtSecurityHealthResult<Key, JwtSecurityHealth>;
  }

  /** The token store alone. */
  async checkStore<const Key extends string = 'jwt-security-store'>(
    key: Key = 'jwt-security-store' as Key,
  ): Promise<JwtSecurityHealthResult<Key, JwtSecurityStoreHealth>> {
    return { [key]: await this.probeStore() } as JwtSecurityHealthResult<
      Key,
      JwtSecurityStoreHealth
    >;
  }

  /**
   * The remote authority alone. Outside proxy mode there is none: the entry is `up` with
   * `mode` and no probe is made.
   */
  async checkAuthority<const Key extends string = 'jwt-security-authority'>(
    key: Key = 'jwt-security-authority' as Key,
  ): Promise<JwtSecurityHealthResult<Key, JwtSecurityAuthorityHealth | { mode: JwtSecurityMode }>> {
    const health = this.authority
      ? await this.probeAuthority(this.authority)
      : { status: 'up' as const, mode: this.options.mode };
    return { [key]: health } as JwtSecurityHealthResult<
      Key,
      JwtSecurityAuthorityHealth | { mode: JwtSecurityMode }
    >;
  }

  private async probeStore(): Promise<JwtSecurityStoreHealth> {
    const type = this.store.constructor.name;
    const started = Date.now();
    const timeoutMs = this.options.storeTimeout;
    try {
      await withTimeout(
        this.store.isRevoked(PROBE_ID, PROBE_ID),
        timeoutMs,
        () => new ProbeTimeout(timeoutMs),
      );
      return { status: 'up', type, responseTime: Date.now() - started };
    } catch (error) {
      return { status: 'down', type, responseTime: Date.now() - started, message: reason(error) };
    }
  }

  private async probeAuthority(authority: AuthorityClient): Promise<JwtSecurityAuthorityHealth> {
    const started = Date.now();
    try {
      // Bounded by `authorityTimeout`; unreachable, too slow or 5xx throws.
      const answer = await authority.forward({ method: 'GET', path: 'jwks' });
      const responseTime = Date.now() - started;
      // 404: an HMAC authority, which publishes no keys but answers.
      if (answer.status === 200 || answer.status === 404) {
        return { status: 'up', httpStatus: answer.status, responseTime };
      }
      return {
        status: 'down',
        httpStatus: answer.status,
        responseTime,
        message: `answered ${answer.status}`,
      };
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause ?? error;
      return {
        status: 'down',
        responseTime: Date.now() - started,
        message: reason(cause, this.options.authorityTimeout),
      };
    }
  }
}

class ProbeTimeout extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

/**
 * A short, safe reason: a timeout, the status a server answered, or `unreachable` with the
 * system error code. Never the error's own message, which may name hosts or users.
 */
function reason(error: unknown, timeoutMs?: number): string {
  if (error instanceof ProbeTimeout) return error.message;
  type Failure = { name?: unknown; message?: unknown; code?: unknown; cause?: unknown };
  const { name, message } = (error ?? {}) as Failure;
  if (name === 'TimeoutError' && timeoutMs !== undefined) return `no answer within ${timeoutMs} ms`;
  const answered =
    typeof message === 'string' ? /^authority answered (\d{3})$/.exec(message) : null;
  if (answered) return `answered ${answered[1]}`;
  // fetch wraps the system error (ECONNREFUSED...) in its cause.
  for (let at = error as Failure | undefined, depth = 0; at && depth < 3; depth++) {
    if (typeof at.code === 'string' && /^E[A-Z0-9_]{2,40}$/.test(at.code)) {
      return `unreachable (${at.code})`;
    }
    at = at.cause as Failure | undefined;
  }
  return 'unreachable';
}
