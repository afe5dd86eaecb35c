import {
  CsrfMismatchError,
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

describe('JwtAuthenticator: the CSRF check of cookie mode on every path', () => {
  let module: TokenModule;
  let authenticator: JwtAuthenticator;

  beforeAll(async () => {
    module = await tokenModule({ algorithm: 'HS256', secret: SECRET, tokenLocation: ['cookie'] });
    authenticator = module.moduleRef.get(JwtAuthenticator);
  });
  afterAll(() => module.close());

  /** A POST carrying the access cookie, and the CSRF header when `csrf` is given. */
  const post = (token: string, csrf?: string): HttpRequestLike => ({
    method: 'POST',
    headers: {
      cookie: `access_token=${token}`,
      ...(csrf !== undefined && { 'x-csrf-token': csrf }),
    },
  });

  it('refuses a cookie token on an unsafe method without its CSRF value', () => {
    const { accessToken, access } = module.tokens.issue({ sub: 'users:user1' });
    expect(() => authenticator.authenticate(post(accessToken), ROUTE)).toThrow(CsrfMismatchError);
    expect(() => authenticator.authenticateToken(post(accessToken), 'access')).toThrow(
      CsrfMismatchError,
    );
    expect(() => authenticator.authenticate(post(accessToken, `${access.csrf}x`), ROUTE)).toThrow(
      CsrfMismatchError,
    );
    // The passport strategy's path: the token verified apart, then completeRequest().
    const request = post(accessToken);
    authenticator.extractor.extract(request, 'access');
    expect(() =>
      authenticator.completeRequest(request, module.tokens.verifySync(accessToken)),
    ).toThrow(CsrfMismatchError);
  });

  it('accepts it with the CSRF header echoing the csrf claim, on every path', async () => {
    const { accessToken, access } = module.tokens.issue({ sub: 'users:user1' });
    const request = post(accessToken, access.csrf as string);
    expect((await authenticator.authenticate(request, ROUTE))?.claims.sub).toBe('users:user1');
    // A second guard on that request reuses what the first one recorded.
    expect(await authenticator.authenticate(request, ROUTE)).toBe(
      await authenticator.authenticate(request, ROUTE),
    );
    const again = post(accessToken, access.csrf as string);
    expect((await authenticator.authenticateToken(again, 'access')).claims.sub).toBe('users:user1');
  });
});
