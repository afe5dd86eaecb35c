import {
  Controller,
  createParamDecorator,
  Get,
  Injectable,
  Module,
  UnauthorizedException,
  UseGuards,
  type ExecutionContext,
} from '@nestjs/common';
import {
  CurrentClaims,
  JwtAuthGuard,
  JwtSecurityModule,
  OptionalJwt,
  type JwtClaims,
} from 'nest-jwt-security';
import { fixtureKeys } from '../fixtures/keys.fixture.js';
import { FixtureCredentials, FixtureUsersModule } from '../fixtures/users.fixture.js';
import { ADAPTERS, request, startApp, type RunningApp } from '../utils/http-app.js';
import { expectStatus, login } from '../utils/jwt-e2e.js';

interface AppUser {
  id: string;
  admin: boolean;
}

/**
 * A subclass as apps write them for passport guards: `handleRequest` maps the claims to the
 * app's user (which becomes `request.user`) and answers a failure with the app's own exception.
 */
@Injectable()
class AppUserGuard extends JwtAuthGuard {
  override handleRequest<TUser = AppUser | null>(
    err: unknown,
    user: unknown,
    _info: unknown,
    _context: ExecutionContext,
  ): TUser {
    if (err) throw new UnauthorizedException('Please sign in again.');
    const claims = user as JwtClaims | null;
    if (claims === null) return null as TUser;
    const scope = Array.isArray(claims.scope) ? claims.scope : String(claims.scope).split(' ');
    return { id: claims.sub, admin: scope.includes('admin') } as TUser;
  }
}

/** `request.user`, on Express and on Fastify alike. */
const ReqUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext) =>
    context.switchToHttp().getRequest<{ user?: unknown }>().user,
);

@Controller('mapped')
class MappedController {
  @UseGuards(AppUserGuard)
  @Get('user')
  user(
    @ReqUser() user: unknown,
    @CurrentClaims('sub') sub: string,
  ): { user: unknown; sub: string } {
    return { user, sub };
  }

  @UseGuards(AppUserGuard)
  @OptionalJwt()
  @Get('optional')
  optional(@ReqUser() user: unknown): { user: unknown } {
    return { user: user ?? null };
  }

  @UseGuards(JwtAuthGuard)
  @Get('default')
  byDefault(@ReqUser() user: unknown): { user: unknown } {
    return { user };
  }
}

@Module({
  imports: [
    FixtureUsersModule,
    JwtSecurityModule.forRoot({ ...fixtureKeys('HS256').options, credentials: FixtureCredentials }),
  ],
  controllers: [MappedController],
  providers: [AppUserGuard],
})
class MappedUserModule {}

/** A `JwtAuthGuard` subclass overriding `handleRequest`, as with any passport `AuthGuard`. */
describe.each(ADAPTERS)('JwtAuthGuard subclass with handleRequest (%s)', (adapter) => {
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp(MappedUserModule, adapter);
  });
  afterAll(() => running.close());

  it("what handleRequest returns is request.user; @CurrentClaims() keeps the token's claims", async () => {
    const { accessToken } = await login(running.url, 'admin', 'admin');
    const answer = await request(`${running.url}/mapped/user`, { token: accessToken });
    expectStatus(answer, 200);
    expect(answer.body).toEqual({ user: { id: 'users:admin', admin: true }, sub: 'users:admin' });
  });

  it('an anonymous @OptionalJwt() request gets what handleRequest returns for it', async () => {
    const answer = await request(`${running.url}/mapped/optional`);
    expectStatus(answer, 200);
    expect(answer.body).toEqual({ user: null });
  });

  it("a failure goes through handleRequest: the app's own exception", async () => {
    for (const init of [{}, { token: 'garbage' }]) {
      const answer = await request(`${running.url}/mapped/user`, init);
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ statusCode: 401, message: 'Please sign in again.' });
    }
  });

  it('without an override, request.user is the claims', async () => {
    const { accessToken } = await login(running.url, 'user1', 'passwd');
    const answer = await request(`${running.url}/mapped/default`, { token: accessToken });
    expectStatus(answer, 200);
    expect(answer.body.user).toMatchObject({ sub: 'users:user1', obj: 'access' });
  });
});
