import { jest } from '@jest/globals';
import type { Type } from '@nestjs/common';
import { ADAPTERS, request, startApp, type RunningApp } from '../utils/http-app.js';
import { AUTH, expectStatus, login } from '../utils/jwt-e2e.js';

// As if @nestjs/swagger were not installed: importing it fails, as it would with no package.
jest.unstable_mockModule('@nestjs/swagger', () => {
  throw Object.assign(new Error("Cannot find package '@nestjs/swagger'"), {
    code: 'ERR_MODULE_NOT_FOUND',
  });
});

// Loaded after the mock, so that the library's one import of @nestjs/swagger meets it.
const { openApi } = await import('../../lib/internal/openapi.js');
const { createJwtAuthController } = await import('../../lib/controllers/jwt-auth.controller.js');
const { LoginDto } = await import('../../lib/controllers/login.dto.js');
const { LocalAppModule } = await import('../fixtures/local-app.module.js');

/** Metadata keys @nestjs/swagger would have set on a class, its prototype or its methods. */
function swaggerKeys(type: Type<unknown>): string[] {
  const proto = type.prototype as Record<string, unknown>;
  const targets: object[] = [type, proto];
  for (const name of Object.getOwnPropertyNames(proto)) {
    const value = Object.getOwnPropertyDescriptor(proto, name)?.value;
    if (typeof value === 'function') targets.push(value);
  }
  const keys = targets.flatMap((target) => Reflect.getOwnMetadataKeys(target));
  for (const name of ['login', 'password', 'claims']) {
    keys.push(
      ...Reflect.getOwnMetadataKeys(proto, name),
      ...Reflect.getOwnMetadataKeys(LoginDto.prototype, name),
    );
  }
  keys.push(...Reflect.getOwnMetadataKeys(LoginDto.prototype));
  return keys.map(String).filter((key) => key.startsWith('swagger/'));
}

describe.each(ADAPTERS)('the module without @nestjs/swagger (%s)', (adapter) => {
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp(LocalAppModule.with(), adapter);
  });
  afterAll(() => running.close());

  it('loads with no-op OpenAPI decorators', () => {
    expect(openApi.available).toBe(false);
    expect(swaggerKeys(createJwtAuthController('api/auth/jwt'))).toEqual([]);
  });

  it('serves the auth routes as usual', async () => {
    const { accessToken } = await login(running.url, 'user1', 'passwd');
    expectStatus(
      await request(`${running.url}${AUTH}/verify`, { method: 'POST', token: accessToken }),
      200,
    );
    const sessions = await request(`${running.url}${AUTH}/sessions`, { token: accessToken });
    expectStatus(sessions, 200);
    expect(sessions.body).toHaveLength(1);
  });
});
