import { ADAPTERS } from '../utils/http-app.js';
import { AUTH } from '../utils/jwt-e2e.js';
import {
  attackRoutes,
  expectAccepted,
  kindFor,
  refusedWith,
  ROUTES,
  type TokenRoute,
} from './fixtures/routes.js';
import { startTarget, type Target } from './fixtures/target.js';

/** Routes that name the kind of token they take, besides the ones of `ROUTES`. */
const EXTRA_ROUTES: readonly TokenRoute[] = [
  {
    label: 'GET /token?obj=access',
    method: 'GET',
    path: `${AUTH}/token?obj=access`,
    kind: 'access',
  },
  {
    label: 'GET /token?obj=refresh',
    method: 'GET',
    path: `${AUTH}/token?obj=refresh`,
    kind: 'refresh',
  },
  {
    label: "GET /protected/refresh [JwtAuthGuard @JwtObject('refresh')]",
    method: 'GET',
    path: '/protected/refresh',
    kind: 'refresh',
  },
];
const ALL_ROUTES = [...ROUTES, ...EXTRA_ROUTES];
const ACCESS_ROUTES = ALL_ROUTES.filter((route) => route.kind === 'access');
const REFRESH_ROUTES = ALL_ROUTES.filter((route) => route.kind === 'refresh');

/** `obj` values that are neither `access` nor `refresh` (SPEC §5). */
const BAD_OBJ: Array<[string, unknown]> = [
  ['missing', undefined],
  ['id', 'id'],
  ['ACCESS', 'ACCESS'],
  ['Refresh', 'Refresh'],
  ['access with a leading space', ' access'],
  ['refresh with a trailing space', 'refresh '],
  ['access with a NUL byte', 'access\u0000'],
  ['both kinds in one string', 'access refresh'],
  ['an array holding access', ['access']],
  ['an array of both kinds', ['access', 'refresh']],
  ['null', null],
  ['a number', 1],
  ['true', true],
  ['an object', { obj: 'access' }],
];

/**
 * Type confusion (RFC 8725 §2.8 "cross-JWT confusion", OWASP): a refresh token is never an access
 * token and vice versa, on every route that names the kind; an `obj` that is neither kind fails
 * everywhere, even when signed by the server's real key.
 */
describe.each(ADAPTERS)('attacks through the kind of token (%s)', (adapter) => {
  describe.each(['HS256', 'RS256'] as const)('%s', (alg) => {
    let target: Target;
    beforeAll(async () => {
      target = await startTarget(adapter, alg);
    });
    afterAll(() => target.close());

    it('control: each kind is accepted where it belongs', async () => {
      await expectAccepted(target, () => target.access);
      const results = await attackRoutes(
        target,
        () => target.refresh,
        EXTRA_ROUTES.filter((route) => route.kind === 'refresh'),
      );
      expect(results).toEqual({
        'GET /token?obj=refresh': '200 authenticated',
        "GET /protected/refresh [JwtAuthGuard @JwtObject('refresh')]": '200',
        'afterwards: GET /protected with a valid token': '200 authenticated',
      });
    });

    it('the real refresh token where an access token is required → token_wrong_type', async () => {
      const results = await attackRoutes(target, () => target.refresh, ACCESS_ROUTES);
      expect(results).toEqual(refusedWith('token_wrong_type', ACCESS_ROUTES));
    });

    it('the real access token where a refresh token is required → token_wrong_type', async () => {
      const results = await attackRoutes(target, () => target.access, REFRESH_ROUTES);
      expect(results).toEqual(refusedWith('token_wrong_type', REFRESH_ROUTES));
    });

    it('refresh claims re-signed by the real key as obj access, where refresh is required → token_wrong_type', async () => {
      const token = target.sign(target.header, target.claims('refresh', { obj: 'access' }));
      const results = await attackRoutes(target, () => token, REFRESH_ROUTES);
      expect(results).toEqual(refusedWith('token_wrong_type', REFRESH_ROUTES));
    });

    it.each(BAD_OBJ)('obj %s, signed by the real key → token_invalid', async (_name, obj) => {
      const results = await attackRoutes(
        target,
        (route) => target.sign(target.header, target.claims(kindFor(route), { obj })),
        ALL_ROUTES,
      );
      expect(results).toEqual(refusedWith('token_invalid', ALL_ROUTES));
    });
  });
});
