/** What the module knows about the request that tries to log in. @publicApi */
export interface LoginContext {
  /** Client IP as seen by the HTTP adapter (`trust proxy` is the app's setting). */
  ip?: string;
  /** `User-Agent` header. */
  userAgent?: string;
}

/** A principal whose credentials were accepted. @publicApi */
export interface AuthenticatedPrincipal {
  /** Principal id, becomes the `sub` claim, e.g. `users:user1`. */
  sub: string;
  /** Custom claims for both tokens (reserved claims are ignored). */
  claims?: Record<string, unknown>;
}

/**
 * Checks a login and a password. Return `null` to refuse.
 *
 * To keep an unknown login and a wrong password indistinguishable, run the same password-hash
 * work in both cases (the sample verifies against a dummy hash when the login is unknown).
 *
 * @example
 * ```ts
 * @Injectable()
 * export class UsersCredentials implements CredentialsValidator {
 *   constructor(private readonly users: UsersService) {}
 *   async validate(login: string, password: string) {
 *     const user = await this.users.checkPassword(login, password);
 *     return user ? { sub: `users:${user.login}`, claims: { scope: user.scopes } } : null;
 *   }
 * }
 * ```
 * @publicApi
 */
export interface CredentialsValidator {
  validate(
    login: string,
    password: string,
    context: LoginContext,
  ): Promise<AuthenticatedPrincipal | null | undefined> | AuthenticatedPrincipal | null | undefined;
}
