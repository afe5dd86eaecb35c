import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import fastifyStaticStandIn from '../utils/fastify-static.stand-in.js';
import { ADAPTERS, httpAdapter, request, startApp, type HttpAnswer } from '../utils/http-app.js';
import { AUTH, expectStatus, login, loginAnswer } from '../utils/jwt-e2e.js';
import { jar, setCookies } from '../utils/set-cookies.js';
import { LocalAppModule } from '../fixtures/local-app.module.js';
import { AppModule } from '../../sample/app.module.js';
import { setupOpenApi } from '../../sample/openapi.js';

// Swagger UI's assets on Fastify: see the stand-in; the real plugin is checked at the end.
jest.unstable_mockModule('@fastify/static', () => ({ default: fastifyStaticStandIn }));

type Doc = any;

const TOKEN = [
  'token_missing',
  'token_malformed',
  'token_invalid',
  'token_expired',
  'token_revoked',
];
const ONE_KIND = [...TOKEN, 'token_wrong_type'];
const UNAVAILABLE = ['service_unavailable'];
/** Cookie mode: an unsafe method whose token came from a cookie needs the CSRF header. */
const CSRF = ['csrf_mismatch'];
const LOGIN_ERRORS = {
  400: ['invalid_request'],
  401: ['invalid_credentials'],
  429: ['too_many_attempts'],
  503: UNAVAILABLE,
};

/** Every auth route (SPEC §4), what it answers and the error codes it documents per status. */
const ROUTES: {
  method: string;
  path: string;
  bearer: boolean;
  success: number;
  errors: Record<number, string[]>;
}[] = [
  { method: 'post', path: '/login', bearer: false, success: 200, errors: LOGIN_ERRORS },
  { method: 'post', path: '/token', bearer: false, success: 200, errors: LOGIN_ERRORS },
  {
    method: 'post',
    path: '/refresh',
    bearer: true,
    success: 200,
    errors: { 401: ONE_KIND, 403: CSRF, 503: UNAVAILABLE },
  },
  {
    method: 'patch',
    path: '/token',
    bearer: true,
    success: 200,
    errors: { 401: ONE_KIND, 403: CSRF, 503: UNAVAILABLE },
  },
  {
    method: 'post',
    path: '/verify',
    bearer: true,
    success: 200,
    errors: { 401: ONE_KIND, 403: CSRF, 503: UNAVAILABLE },
  },
  {
    method: 'get',
    path: '/claims',
    bearer: true,
    success: 200,
    errors: { 401: TOKEN, 503: UNAVAILABLE },
  },
  {
    method: 'get',
    path: '/token',
    bearer: true,
    success: 200,
    errors: { 400: ['invalid_request'], 401: ONE_KIND, 503: UNAVAILABLE },
  },
  {
    method: 'post',
    path: '/logout',
    bearer: true,
    success: 200,
    errors: { 401: TOKEN, 403: CSRF, 503: UNAVAILABLE },
  },
  {
    method: 'get',
    path: '/sessions',
    bearer: true,
    success: 200,
    errors: { 401: ONE_KIND, 503: UNAVAILABLE },
  },
  {
    method: 'delete',
    path: '/sessions/{id}',
    bearer: true,
    success: 204,
    errors: { 401: ONE_KIND, 403: CSRF, 404: ['not_found'], 503: UNAVAILABLE },
  },
  {
    method: 'get',
    path: '/jwks',
    bearer: false,
    success: 200,
    errors: { 404: ['not_found'], 503: UNAVAILABLE },
  },
];

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (response: any) => response?.content?.['application/json']?.schema;

/** The sample app with Swagger set up as `sample/main.ts` does, on a free port. */
async function startSample(adapter: (typeof ADAPTERS)[number]): Promise<{
  app: INestApplication;
  base: string;
}> {
  const { app, url } = await startApp(AppModule, adapter, { setup: setupOpenApi });
  return { app, base: url };
}

describe.each(ADAPTERS)('OpenAPI document of the sample (%s)', (adapter) => {
  let app: INestApplication;
  let base: string;
  let doc: Doc;
  const op = (method: string, path: string) => doc.paths[`${AUTH}${path}`]?.[method];

  beforeAll(async () => {
    ({ app, base } = await startSample(adapter));
    const answer = await request(`${base}/docs-json`);
    expectStatus(answer, 200);
    doc = answer.body;
  });
  afterAll(() => app.close());

  it('lists every auth route, tagged auth, with a summary', () => {
    for (const route of ROUTES) {
      const operation = op(route.method, route.path);
      expect({ route: `${route.method} ${route.path}`, found: operation !== undefined }).toEqual({
        route: `${route.method} ${route.path}`,
        found: true,
      });
      expect(operation.tags).toEqual(['auth']);
      expect(operation.summary).toEqual(expect.any(String));
      expect(operation.summary.length).toBeGreaterThan(0);
    }
    const documented = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith(`${AUTH}/`))
      .flatMap(([path, methods]) => Object.keys(methods as object).map((m) => `${m} ${path}`));
    expect(documented.sort()).toEqual(ROUTES.map((r) => `${r.method} ${AUTH}${r.path}`).sort());
  });

  it('documents the login body, as JSON and as a form: login, password, claims', () => {
    for (const path of ['/login', '/token']) {
      const body = op('post', path).requestBody;
      expect(body.required).toBe(true);
      expect(Object.keys(body.content).sort()).toEqual([
        'application/json',
        'application/x-www-form-urlencoded',
      ]);
      expect(body.content['application/json'].schema).toEqual(ref('LoginDto'));
      expect(body.content['application/x-www-form-urlencoded'].schema).toEqual(ref('LoginDto'));
      // In a form, `claims` is a JSON document.
      expect(body.content['application/x-www-form-urlencoded'].encoding).toEqual({
        claims: { contentType: 'application/json' },
      });
    }
    const schema = doc.components.schemas.LoginDto;
    expect(Object.keys(schema.properties).sort()).toEqual(['claims', 'login', 'password']);
    expect(schema.required.sort()).toEqual(['login', 'password']);
    expect(schema.properties.login).toMatchObject({ type: 'string', maxLength: 256 });
    expect(schema.properties.password).toMatchObject({ type: 'string', format: 'password' });
    expect(schema.properties.claims).toMatchObject({ type: 'object' });
  });

  it('documents the success answers', () => {
    for (const path of ['/login', '/token']) {
      const schema = json(op('post', path).responses['200']);
      expect(schema.required.sort()).toEqual(['accessToken', 'refreshToken', 'status']);
      expect(schema.properties.status.enum).toEqual(['success']);
    }
    for (const [method, path] of [
      ['post', '/refresh'],
      ['patch', '/token'],
    ] as const) {
      const schema = json(op(method, path).responses['200']);
      expect(Object.keys(schema.properties).sort()).toEqual([
        'accessToken',
        'refreshToken',
        'status',
      ]);
      expect(schema.required.sort()).toEqual(['accessToken', 'status']);
    }
    expect(json(op('post', '/verify').responses['200'])).toEqual(ref('SuccessDto'));
    expect(json(op('post', '/logout').responses['200'])).toEqual(ref('SuccessDto'));
    expect(json(op('get', '/claims').responses['200'])).toEqual(ref('ClaimsDto'));
    expect(json(op('get', '/token').responses['200'])).toEqual(ref('ClaimsDto'));
    expect(json(op('get', '/sessions').responses['200'])).toEqual({
      type: 'array',
      items: ref('SessionDto'),
    });
    expect(op('delete', '/sessions/{id}').responses['204']).toBeDefined();
    expect(json(op('get', '/jwks').responses['200'])).toEqual(ref('JwksDto'));

    const { schemas } = doc.components;
    expect(schemas.ClaimsDto.required.sort()).toEqual(['exp', 'iat', 'jti', 'obj', 'sid', 'sub']);
    expect(schemas.ClaimsDto.properties.obj.enum).toEqual(['access', 'refresh']);
    expect(Object.keys(schemas.SessionDto.properties).sort()).toEqual([
      'createdAt',
      'current',
      'expiresAt',
      'id',
      'ip',
      'lastUsedAt',
      'userAgent',
    ]);
    expect(schemas.JwksDto.properties.keys).toEqual({ type: 'array', items: ref('JwkDto') });
    expect(schemas.JwkDto.required).toEqual(expect.arrayContaining(['kty', 'kid', 'alg']));
    expect(schemas.ErrorBodyDto.required.sort()).toEqual([
      'code',
      'message',
      'status',
      'statusCode',
    ]);
  });

  it('lists, per status, the error codes each route can answer with', () => {
    for (const route of ROUTES) {
      const responses = op(route.method, route.path).responses;
      expect(Object.keys(responses).sort()).toEqual(
        [String(route.success), ...Object.keys(route.errors)].sort(),
      );
      for (const [status, codes] of Object.entries(route.errors)) {
        const schema = json(responses[status]);
        expect({
          route: `${route.method} ${route.path} ${status}`,
          codes: schema.properties.code.enum,
        }).toEqual({
          route: `${route.method} ${route.path} ${status}`,
          codes,
        });
        expect(schema.properties.statusCode.enum).toEqual([Number(status)]);
        expect(schema.properties.status.enum).toEqual(['error']);
        expect(schema.required.sort()).toEqual(['code', 'message', 'status', 'statusCode']);
        for (const code of codes) expect(responses[status].description).toContain(code);
      }
      if (route.errors[401]) expect(responses['401'].headers).toHaveProperty('WWW-Authenticate');
    }
    expect(op('post', '/login').responses['429'].headers).toHaveProperty('Retry-After');
  });

  it('asks for the bearer token on the token routes only, and on the guarded sample routes', () => {
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const route of ROUTES) {
      expect({
        route: `${route.method} ${route.path}`,
        security: op(route.method, route.path).security,
      }).toEqual({
        route: `${route.method} ${route.path}`,
        security: route.bearer ? [{ bearer: [] }] : undefined,
      });
    }
    expect(doc.paths['/profile'].get.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/admin'].get.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/public'].get.security).toBeUndefined();
    expect(doc.paths['/health'].get).toBeDefined();
  });

  it('documents every error the routes actually answer with', async () => {
    const pair = await login(base, 'user1', 'passwd');
    const documented = (route: (typeof ROUTES)[number], answer: HttpAnswer) => {
      const schema = json(op(route.method, route.path).responses[String(answer.status)]);
      return {
        route: `${route.method} ${route.path}`,
        status: answer.status,
        codes: schema?.properties.code.enum,
      };
    };
    const bearerRoutes = ROUTES.filter((r) => r.bearer);
    let refusals = 0;
    for (const route of bearerRoutes) {
      const url = `${base}${AUTH}${route.path.replace('{id}', 'nope')}`;
      const method = route.method.toUpperCase();
      const tokens = [undefined, 'not-a-jwt', pair.accessToken, pair.refreshToken];
      for (const token of tokens) {
        const answer = await request(url, { method, ...(token !== undefined && { token }) });
        if (answer.status < 400) continue;
        refusals++;
        expect(documented(route, answer)).toEqual({
          route: `${route.method} ${route.path}`,
          status: answer.status,
          codes: expect.arrayContaining([answer.body.code]),
        });
      }
    }
    // No token and 'not-a-jwt' are refused on every route, so at least two answers each.
    expect(refusals).toBeGreaterThanOrEqual(2 * bearerRoutes.length);
    const badObj = await request(`${base}${AUTH}/token?obj=other`, { token: pair.accessToken });
    expect(json(op('get', '/token').responses['400']).properties.code.enum).toContain(
      badObj.body.code,
    );
    for (const path of ['/login', '/token']) {
      const route = ROUTES.find((r) => r.method === 'post' && r.path === path)!;
      for (const body of [{}, { login: 'user1', password: 'wrong' }]) {
        const answer = await request(`${base}${AUTH}${path}`, { method: 'POST', json: body });
        expect(documented(route, answer).codes).toContain(answer.body.code);
      }
    }
  });

  it('serves Swagger UI at /docs', async () => {
    const page = await request(`${base}/docs`);
    expectStatus(page, 200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.body).toContain('swagger-ui');
    const init = await request(`${base}/docs/swagger-ui-init.js`);
    expectStatus(init, 200);
    expect(init.body).toContain('persistAuthorization');
    expect(init.body).toContain('preauthorizeApiKey');
    const bundle = await fetch(`${base}/docs/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    await bundle.arrayBuffer();
  });
});

describe.each(ADAPTERS)('OpenAPI of a differently configured module (%s)', (adapter) => {
  const documentOf = async (app: INestApplication): Promise<Doc> =>
    SwaggerModule.createDocument(app, new DocumentBuilder().addBearerAuth().build());

  it('documents the token field names the module is configured with', async () => {
    const app = await NestFactory.create(
      LocalAppModule.with({ accessTokenName: 'access_token', refreshTokenName: 'refresh_token' }),
      httpAdapter(adapter),
      { logger: false },
    );
    try {
      const doc = await documentOf(app);
      const issued = json(doc.paths[`${AUTH}/login`].post.responses['200']);
      expect(issued.required.sort()).toEqual(['access_token', 'refresh_token', 'status']);
      expect(Object.keys(issued.properties).sort()).toEqual([
        'access_token',
        'refresh_token',
        'status',
      ]);
      const renewed = doc.paths[`${AUTH}/refresh`].post.responses['200'];
      expect(json(renewed).required.sort()).toEqual(['access_token', 'status']);
      // Documented again, not appended to.
      expect(renewed.description).not.toContain('\n');
    } finally {
      await app.close();
    }
  });

  it('cookies only: no tokens in the body, and the CSRF refusal it answers is documented', async () => {
    const running = await startApp(LocalAppModule.with({ tokenLocation: ['cookie'] }), adapter);
    try {
      const doc = await documentOf(running.app);
      const issued = json(doc.paths[`${AUTH}/login`].post.responses['200']);
      expect(issued.required).toEqual(['status']);
      expect(Object.keys(issued.properties)).toEqual(['status']);

      const answer = await loginAnswer(running.url, 'user1', 'passwd');
      expectStatus(answer, 200);
      expect(answer.body).toEqual({ status: 'success' });
      // A forged request: the cookies, and no CSRF header.
      const forged = await request(`${running.url}${AUTH}/verify`, {
        method: 'POST',
        headers: { cookie: jar(...setCookies(answer.headers).values()) },
      });
      expect(forged.status).toBe(403);
      const refusal = json(doc.paths[`${AUTH}/verify`].post.responses['403']);
      expect(refusal.properties.code.enum).toContain(forged.body.code);
    } finally {
      await running.close();
    }
  });
});

// The sample's document again, after the apps above re-documented the shared controller class.
describe('OpenAPI of the sample after other configurations', () => {
  it('documents the default token field names again', async () => {
    const { app, base } = await startSample('express');
    try {
      const doc: Doc = (await request(`${base}/docs-json`)).body;
      const issued = json(doc.paths[`${AUTH}/login`].post.responses['200']);
      expect(issued.required.sort()).toEqual(['accessToken', 'refreshToken', 'status']);
    } finally {
      await app.close();
    }
  });
});

describe('Swagger UI on Fastify with the real @fastify/static (plain Node)', () => {
  it('serves the page and its assets', async () => {
    const script = `
      import 'reflect-metadata';
      import { Module } from '@nestjs/common';
      import { NestFactory } from '@nestjs/core';
      import { FastifyAdapter } from '@nestjs/platform-fastify';
      import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
      class DocsModule {}
      Module({})(DocsModule);
      const app = await NestFactory.create(DocsModule, new FastifyAdapter(), { logger: false });
      SwaggerModule.setup('docs', app, () =>
        SwaggerModule.createDocument(app, new DocumentBuilder().addBearerAuth().build()));
      await app.listen(0, '127.0.0.1');
      const base = 'http://127.0.0.1:' + app.getHttpServer().address().port;
      const seen = {};
      for (const path of ['/docs', '/docs/swagger-ui-bundle.js', '/docs/swagger-ui.css']) {
        const answer = await fetch(base + path);
        seen[path] = [answer.status, answer.headers.get('content-type')];
        await answer.arrayBuffer();
      }
      await app.close();
      console.log(JSON.stringify(seen));
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', script],
      { cwd: process.cwd(), timeout: 20_000 },
    );
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({
      '/docs': [200, expect.stringMatching(/^text\/html/)],
      '/docs/swagger-ui-bundle.js': [200, expect.stringMatching(/javascript/)],
      '/docs/swagger-ui.css': [200, expect.stringMatching(/^text\/css/)],
    });
  });
});
