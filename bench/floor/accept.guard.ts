import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';

/**
 * The floor of the warm rows: a guard that does no check at all. It reads the `Authorization`
 * header as any guard must and hands the handler a claims object the size of the sample's, so
 * its route costs what Nest's guard and parameter machinery cost, and nothing else. NOT a guard
 * to use.
 */
@Injectable()
export class AcceptGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, unknown>; user?: unknown }>();
    const header = request.headers.authorization;
    request.user = {
      sub: 'users:user1',
      iat: 1_700_000_000,
      exp: 1_700_000_900,
      jti: typeof header === 'string' ? header.slice(-36) : '',
      obj: 'access',
      sid: '4a7459fd-3da3-4126-95ca-317abd0820ef',
      csrf: 'g1BAzkpG7femWy-ey5usThf-',
      fresh: true,
    };
    return true;
  }
}
