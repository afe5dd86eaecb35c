import type { ExecutionContext } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { ExecutionContextHost } from '@nestjs/core/internal';
import { Test } from '@nestjs/testing';
import { CurrentClaims } from '../decorators/current-claims.decorator.js';
import { JwtAuthGuard } from '../guards/jwt-auth.guard.js';
import { JwtSecurityModule } from '../jwt-security.module.js';
import { JwtTokenService } from '../services/jwt-token.service.js';
import { requestOf } from './auth-context.js';

class Resolver {
  me(): void {}
}

function contextOf(type: string, args: unknown[]): ExecutionContext {
  const host = new ExecutionContextHost(args, Resolver, Resolver.prototype.me);
  host.setType(type);
  return host;
}

/** The factory `createParamDecorator` registered for `@CurrentClaims(data)`. */
function currentClaims(data?: string): (data: unknown, context: ExecutionContext) => unknown {
  class Target {
    handler(_claims: unknown): void {}
  }
  CurrentClaims(data)(Target.prototype, 'handler', 0);
  const metadata = Reflect.getMetadata(ROUTE_ARGS_METADATA, Target, 'handler') as Record<
    string,
    { factory: (data: unknown, context: ExecutionContext) => unknown; data: unknown }
  >;
  const { factory } = Object.values(metadata)[0]!;
  return (d, context) => factory(d, context);
}

describe('requestOf()', () => {
  const req = { headers: {} };

  it('reads the request of each context type', () => {
    expect(requestOf(contextOf('http', [req, {}]))).toBe(req);
    const client = { handshake: { headers: {} } };
    expect(requestOf(contextOf('ws', [client, {}]))).toBe(client);
    expect(requestOf(contextOf('rpc', [{}, req]))).toBe(req);
  });

  it('GraphQL: the `req` the app puts in its context (args are root, args, context, info)', () => {
    expect(requestOf(contextOf('graphql', [undefined, {}, { req }, {}]))).toBe(req);
    const root = { parent: true };
    expect(requestOf(contextOf('graphql', [root, {}, {}, {}]))).toBe(root);
  });
});

describe('JwtAuthGuard and @CurrentClaims() in a GraphQL resolver (no override needed)', () => {
  it('verify the token of context.req and give its claims', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        JwtSecurityModule.forRoot({
          algorithm: 'HS256',
          secret: 'graphql-unit-test-secret-0123456789-abcdef',
          routePrefix: false,
        }),
      ],
    }).compile();
    await moduleRef.init();
    try {
      const { accessToken, access } = moduleRef
        .get(JwtTokenService)
        .issue({ sub: 'users:gql', withRefresh: false });
      const guard = moduleRef.get(JwtAuthGuard);
      const req = { headers: { authorization: `Bearer ${accessToken}` } };
      const context = contextOf('graphql', [undefined, {}, { req }, {}]);
      expect(await guard.canActivate(context)).toBe(true);
      expect(currentClaims()(undefined, context)).toEqual(access);
      expect(currentClaims('sub')('sub', context)).toBe('users:gql');

      const anonymous = contextOf('graphql', [undefined, {}, { req: { headers: {} } }, {}]);
      expect(() => guard.canActivate(anonymous)).toThrow(
        expect.objectContaining({ code: 'token_missing' }),
      );
    } finally {
      await moduleRef.close();
    }
  });
});
