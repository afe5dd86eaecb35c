import fc from 'fast-check';
import { LocalAppModule } from '../fixtures/local-app.module.js';
import { ADAPTERS, request, startApp, type RunningApp } from '../utils/http-app.js';
import { AUTH, expectError, login } from '../utils/jwt-e2e.js';

/**
 * Login bodies an attacker sends (SPEC §4: "No input ever yields a 500"): every one answers 200,
 * 400 `invalid_request` or 401 `invalid_credentials`, through both HTTP platforms.
 */
describe.each(ADAPTERS)('attacks through the login body (%s)', (adapter) => {
  let running: RunningApp;
  let base: string;
  beforeAll(async () => {
    running = await startApp(LocalAppModule.with({ loginThrottle: false }), adapter);
    base = running.url;
  });
  afterAll(() => running.close());

  it.each([
    ['JSON claims null', { json: { login: 'user1', password: 'passwd', claims: null } }],
    ['form claims "null"', { form: { login: 'user1', password: 'passwd', claims: 'null' } }],
    ['form claims "[]"', { form: { login: 'user1', password: 'passwd', claims: '[]' } }],
    ['form claims "1"', { form: { login: 'user1', password: 'passwd', claims: '1' } }],
  ])('POST /login and /token with %s → 400 invalid_request', async (_name, init) => {
    for (const path of ['login', 'token']) {
      const answer = await request(`${base}${AUTH}/${path}`, { method: 'POST', ...init });
      expectError(answer, 400, 'invalid_request');
    }
    await login(base, 'user1', 'passwd');
  });

  it('random JSON and form bodies never yield a 5xx', async () => {
    const value = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom('user1', 'passwd', '', null),
    );
    const jsonBody = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record({ login: value, password: value, claims: value }, { requiredKeys: [] }),
    );
    const formBody = fc.dictionary(
      fc.constantFrom('login', 'password', 'claims', 'login[]', 'claims[lang]', 'x'),
      fc.string({ maxLength: 40 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          jsonBody.map((json) => ({ json })),
          formBody.map((form) => ({ form })),
        ),
        fc.constantFrom('login', 'token'),
        async (init, path) => {
          const answer = await request(`${base}${AUTH}/${path}`, { method: 'POST', ...init });
          expect([200, 400, 401]).toContain(answer.status);
        },
      ),
      {
        numRuns: 150,
        examples: [[{ json: { login: 'user1', password: 'passwd', claims: null } }, 'login']],
      },
    );
  });
});
