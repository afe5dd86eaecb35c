/** Kind of token, carried in the `obj` claim. @publicApi */
export type JwtObjectType = 'access' | 'refresh';

/**
 * Claims of a token issued by the module (SPEC §5), plus any custom claims.
 *
 * @publicApi
 */
export interface JwtClaims {
  /** Principal id, e.g. `users:user1`. */
  sub: string;
  /** Issued at, seconds since the epoch. */
  iat: number;
  /** Expires at, seconds since the epoch. */
  exp: number;
  /** Unique token id. */
  jti: string;
  /** `access` or `refresh`. */
  obj: JwtObjectType;
  /** Session id shared by the tokens of one login. */
  sid: string;
  /** Audience, when configured. */
  aud?: string | string[];
  /** Issuer, when configured. */
  iss?: string;
  /** Not before, seconds since the epoch (never set by the module, checked when present). */
  nbf?: number;
  /** `true` on access tokens issued from credentials. */
  fresh?: boolean;
  /** Scopes: a space-separated string or an array. */
  scope?: string | string[];
  [claim: string]: unknown;
}

/** Protected header of a token issued by the module. @publicApi */
export interface JwtHeader {
  alg: string;
  typ?: string;
  kid?: string;
  [parameter: string]: unknown;
}

/** A token that passed verification. @publicApi */
export interface VerifiedToken {
  token: string;
  header: JwtHeader;
  claims: JwtClaims;
}

/** The access/refresh pair returned by login and refresh. @publicApi */
export interface TokenPair {
  accessToken: string;
  /** Absent when a refresh did not rotate the refresh token. */
  refreshToken?: string;
  /** Claims of the access token. */
  access: JwtClaims;
  /** Claims of the refresh token, when one was issued. */
  refresh?: JwtClaims;
}
