import { Injectable, type ExecutionContext } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { ExecutionContextHost } from '@nestjs/core/internal';
import { Test, type TestingModule } from '@nestjs/testing';
import { CurrentClaims } from '../decorators/current-claims.decorator.js';
import type { JwtClaims } from '../interfaces/jwt-claims.interface.js';
import { JwtSecurityModule } from '../jwt-security.module.js';
import { JwtTokenService } from '../services/jwt-token.service.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';

/**
 * The README's `getRequest` override for GraphQL on Mercurius (Fastify), whose context is
 * Mercurius's own (`{ app, reply, ... }`, the request being `reply.request`). `@nestjs/graphql`
 * is not a dependency of this project: `GqlExecutionContext.create(context).getContext()` is the
 * resolver's third argument, read here with `getArgByIndex(2)`, as the README's version does.
 */
@Injectable()
class GqlJwtAuthGuard extends JwtAuthGuard {
  override getRequest(context: ExecutionContext) {
    if (context.getType<string>() !== 'graphql') return super.getRequest(context);
    const ctx = context.getArgByIndex(2);
    ctx.req ??= ctx.reply?.request;
    return ctx.req;
  }
}

class Resolver {
  me(): void {}
}

function contextOf(type: string, args: unknown[]): ExecutionContext {
  const host = new ExecutionContextHost(args, Resolver, Resolver.prototype.me);
  host.setType(type);
  return host;
}

/** The factory `createParamDecorator` registered for `@CurrentClaims(name)`. */
function currentClaims(name?: string): (context: ExecutionContext) => unknown {
  class Target {
    handler(_claims: unknown): void {}
  }
  CurrentClaims(name)(Target.prototype, 'handler', 0);
  const metadata = Reflect.getMetadata(ROUTE_ARGS_METADATA, Target, 'handler') as Record<
    string,
    { factory: (data: unknown, context: ExecutionContext) => unknown }
  >;
  const { factory } = Object.values(metadata)[0]!;
  return (context) => factory(name, context);
}

/** A resolver call on Mercurius: (root, args, context, info), the request on `context.reply`. */
const mercurius = (request: object) =>
  contextOf('graphql', [undefined, {}, { app: {}, reply: { request } }, {}]);

describe('GraphQL on Mercurius: the getRequest override of the README', () => {
  let moduleRef: TestingModule;
  let accessToken: string;
  let access: JwtClaims;
  const bearer = () => ({ headers: { authorization: `Bearer ${accessToken}` } });

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [
        JwtSecurityModule.forRoot({
          algorithm: 'HS256',
          secret: 'graphql-mercurius-test-secret-0123456789-abcdef',
          routePrefix: false,
        }),
      ],
      providers: [GqlJwtAuthGuard],
    }).compile();
    await moduleRef.init();
    ({ accessToken, access } = moduleRef
      .get(JwtTokenService)
      .issue({ sub: 'users:mercurius', withRefresh: false }));
  });
  afterAll(() => moduleRef.close());

  it('is not needed with a context.req (Apollo): the plain JwtAuthGuard and @CurrentClaims()', async () => {
    const guard = moduleRef.get(JwtAuthGuard);
    const context = contextOf('graphql', [undefined, {}, { req: bearer() }, {}]);
    expect(await guard.canActivate(context)).toBe(true);
    expect(currentClaims()(context)).toEqual(access);
    expect(currentClaims('sub')(context)).toBe('users:mercurius');
    const anonymous = contextOf('graphql', [undefined, {}, { req: { headers: {} } }, {}]);
    expect(() => guard.canActivate(anonymous)).toThrow(
      expect.objectContaining({ code: 'token_missing' }),
    );
  });

  it('is needed: the plain JwtAuthGuard sees no token there (token_missing, not a crash)', () => {
    const guard = moduleRef.get(JwtAuthGuard);
    expect(() => guard.canActivate(mercurius(bearer()))).toThrow(
      expect.objectContaining({ code: 'token_missing' }),
    );
  });

  it('authenticates from reply.request, and @CurrentClaims() reads the claims', async () => {
    const guard = moduleRef.get(GqlJwtAuthGuard);
    const context = mercurius(bearer());
    expect(await guard.canActivate(context)).toBe(true);
    expect(currentClaims('sub')(context)).toBe('users:mercurius');
    expect(currentClaims()(context)).toMatchObject({ sub: 'users:mercurius', obj: 'access' });
  });

  it('still refuses a resolver call without a token, with the spec code', () => {
    const guard = moduleRef.get(GqlJwtAuthGuard);
    expect(() => guard.canActivate(mercurius({ headers: {} }))).toThrow(
      expect.objectContaining({ code: 'token_missing' }),
    );
  });

  it('keeps working with an Apollo context ({ req }) and on plain HTTP routes', async () => {
    const guard = moduleRef.get(GqlJwtAuthGuard);
    const apollo = contextOf('graphql', [undefined, {}, { req: bearer() }, {}]);
    expect(await guard.canActivate(apollo)).toBe(true);
    expect(currentClaims('sub')(apollo)).toBe('users:mercurius');
    const http = contextOf('http', [bearer(), {}, () => undefined]);
    expect(await guard.canActivate(http)).toBe(true);
    expect(currentClaims('sub')(http)).toBe('users:mercurius');
  });
});
