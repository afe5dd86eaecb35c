import { createPublicKey, createSecretKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { signatureCheck } from '../keys.js';

type Check = (input: string, signature: Buffer) => boolean;

/**
 * The least a JWT guard can do, as a floor for the benchmark's cold-token rows: split the
 * `Bearer` token, check its signature with node:crypto on a key imported once, parse the claims,
 * check `exp`. No kid table, no algorithm check, no claim shapes, no revocation: NOT a guard to
 * use, only the cost of the signature check itself inside a Nest app.
 */
@Injectable()
export class FloorGuard implements CanActivate {
  private readonly check: Check = signatureCheckFromEnv();

  canActivate(context: ExecutionContext): boolean {
    const request = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, unknown>; user?: unknown }>();
    const header = request.headers.authorization;
    if (typeof header !== 'string' || !header.startsWith('Bearer '))
      throw new UnauthorizedException();
    const token = header.slice(7);
    const dot = token.lastIndexOf('.');
    const input = token.slice(0, dot);
    if (!this.check(input, Buffer.from(token.slice(dot + 1), 'base64url'))) {
      throw new UnauthorizedException();
    }
    const claims = JSON.parse(
      Buffer.from(input.slice(input.indexOf('.') + 1), 'base64url').toString(),
    ) as { exp: number };
    if (!(claims.exp * 1000 > Date.now())) throw new UnauthorizedException();
    request.user = claims;
    return true;
  }
}

/** The signature check of JWT_ALGORITHM (HS256, RS256 or ES256) with the sample's key variables. */
function signatureCheckFromEnv(): Check {
  const alg = process.env.JWT_ALGORITHM ?? 'HS256';
  if (alg === 'HS256')
    return signatureCheck(alg, createSecretKey(Buffer.from(process.env.JWT_SECRET ?? '', 'utf8')));
  if (alg === 'RS256' || alg === 'ES256') {
    const pem = readFileSync(process.env.JWT_PUBLIC_KEY_FILE ?? '', 'utf8');
    return signatureCheck(alg, createPublicKey(pem));
  }
  throw new Error(`floor app: unsupported JWT_ALGORITHM ${alg}`);
}
