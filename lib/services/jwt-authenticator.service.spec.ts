import {
  InsufficientScopeError,
  TokenNotFreshError,
  TokenWrongTypeError,
} from '../errors/jwt-security.errors.js';
import type { JwtClaims } from '../interfaces/jwt-claims.interface.js';
import type { HttpRequestLike } from '../internal/http.js';
import { SECRET } from '../../test/utils/keys.js';
import { tokenModule, type TokenModule } from '../../test/utils/token-module.js';
import { JwtAuthenticator, type RouteRequirements } from './jwt-authenticator.service.js';

const ROUTE: RouteRequirements = {
  public: false,
  optional: false,
  object: 'access',
  fresh: false,
  scopes: [],
};

describe('JwtAuthenticator: a second guard on the same request', () => {
  let module: TokenModule;
  let authenticator: JwtAuthenticator;
  const loaded: string[] = [];

  beforeAll(async () => {
    module = await tokenModule({
      algorithm: 'HS256',
      secret: SECRET,
      principalLoader: {
        load: (claims: JwtClaims) => {
          loaded.push(claims.jti);
          return { sub: claims.sub };
        },
      },
    });
    authenticator = module.moduleRef.get(JwtAuthenticator);
  });
  afterAll(() => module.close());
  beforeEach(() => {
    loaded.length = 0;
  });

  const requestWith = (token: string): HttpRequestLike => ({
    headers: { authorization: `Bearer ${token}` },
  });

  it('reuses the recorded context: no second verification or principal load', async () => {
    const { accessToken } = module.tokens.issue({ sub: 'users:user1' });
    const request = requestWith(accessToken);
    const first = await authenticator.authenticate(request, ROUTE);
    const second = await authenticator.authenticate(request, ROUTE);
    expect(second).toBe(first);
    expect(loaded).toHaveLength(1);
  });

  it("still checks the second route's requirements against the recorded claims", async () => {
    const { accessToken } = module.tokens.issue({ sub: 'users:user1' });
    const request = requestWith(accessToken);
    await authenticator.authenticate(request, ROUTE);
    expect(() => authenticator.authenticate(request, { ...ROUTE, scopes: ['admin'] })).toThrow(
      InsufficientScopeError,
    );
    expect(() => authenticator.authenticate(request, { ...ROUTE, fresh: true })).toThrow(
      TokenNotFreshError,
    );
    expect(() => authenticator.authenticate(request, { ...ROUTE, object: 'refresh' })).toThrow(
      TokenWrongTypeError,
    );
  });

  it('verifies a different token on the same request afresh', async () => {
    const one = module.tokens.issue({ sub: 'users:user1' });
    const two = module.tokens.issue({ sub: 'users:admin' });
    const request = requestWith(one.accessToken);
    await authenticator.authenticate(request, ROUTE);
    request.headers.authorization = `Bearer ${two.accessToken}`;
    const auth = await authenticator.authenticate(request, ROUTE);
    expect(auth?.claims.sub).toBe('users:admin');
    expect(loaded).toHaveLength(2);
  });

  it('a WebSocket client loads the principal again for every message', async () => {
    const { accessToken } = module.tokens.issue({ sub: 'users:user1' });
    const client: HttpRequestLike = { headers: {} };
    await authenticator.authenticateWith(accessToken, client, ROUTE);
    await authenticator.authenticateWith(accessToken, client, ROUTE);
    expect(loaded).toHaveLength(2);
  });
});
