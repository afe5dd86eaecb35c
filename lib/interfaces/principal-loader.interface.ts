import type { JwtClaims } from './jwt-claims.interface.js';

/**
 * Loads the principal of an authenticated request, once per request, for `@CurrentPrincipal()`.
 * Return `null` or `undefined` when the principal no longer exists: the token then fails with
 * `token_revoked`.
 *
 * @example
 * ```ts
 * @Injectable()
 * export class UsersLoader implements PrincipalLoader<User> {
 *   constructor(private readonly users: UsersService) {}
 *   load(claims: JwtClaims) {
 *     return this.users.findByPrincipal(claims.sub);
 *   }
 * }
 * ```
 * @publicApi
 */
export interface PrincipalLoader<P = unknown> {
  load(claims: JwtClaims): Promise<P | null | undefined> | P | null | undefined;
}

/** Why the claims loader is called. @publicApi */
export interface ClaimsLoaderContext {
  /** `login` when issuing from credentials, `refresh` when issuing from a refresh token. */
  grant: 'login' | 'refresh';
}

/**
 * Adds custom claims to every token pair the module issues (login and refresh), as
 * Flask-JWT-Extended's additional-claims loader does. Reserved claims are ignored.
 *
 * @publicApi
 */
export interface ClaimsLoader {
  loadClaims(
    sub: string,
    context: ClaimsLoaderContext,
  ): Promise<Record<string, unknown> | undefined> | Record<string, unknown> | undefined;
}
