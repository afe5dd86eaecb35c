import 'reflect-metadata';
import { applyDecorators } from '@nestjs/common';
import { getSchemaPath } from '@nestjs/swagger';
import { createNoopOpenApi, createOpenApi, openApi, type OpenApi } from './openapi.js';

/** Calls every factory of `api` with plausible arguments: method, then class decorators. */
function everyDecorator(api: OpenApi) {
  const method = [
    api.ApiOperation({ summary: 'x' }),
    api.ApiBody({ schema: { type: 'object' } }),
    api.ApiOkResponse({ description: 'x' }),
    api.ApiNoContentResponse({ description: 'x' }),
    api.ApiParam({ name: 'id' }),
    api.ApiQuery({ name: 'obj' }),
  ];
  const both = [
    api.ApiTags('auth'),
    api.ApiConsumes('application/json'),
    api.ApiResponse({ status: 401, description: 'x' }),
    api.ApiBearerAuth(),
    api.ApiExtraModels(class Model {}),
  ];
  return { method: [...method, ...both], type: [...both, api.ApiSchema({ description: 'x' })] };
}

/** A class, a method and a property decorated by `api`, the way TypeScript applies decorators. */
function decorated(api: OpenApi) {
  class Target {
    field?: string;
    handler(): string {
      return 'handled';
    }
  }
  const descriptor = Object.getOwnPropertyDescriptor(Target.prototype, 'handler')!;
  const decorators = everyDecorator(api);
  applyDecorators(...decorators.method)(Target.prototype, 'handler', descriptor);
  applyDecorators(...decorators.type)(Target);
  api.ApiProperty({ example: 'x' })(Target.prototype, 'field');
  api.ApiPropertyOptional()(Target.prototype, 'field');
  return { Target, descriptor };
}

/** Every metadata key set on the class, its prototype, the method and the property. */
function metadataKeys(Target: abstract new () => unknown): unknown[] {
  const proto = Target.prototype as object;
  return [
    ...Reflect.getOwnMetadataKeys(Target),
    ...Reflect.getOwnMetadataKeys(proto),
    ...Reflect.getOwnMetadataKeys(proto, 'field'),
    ...Reflect.getOwnMetadataKeys((proto as { handler: object }).handler),
  ];
}

describe('openApi without @nestjs/swagger (the fallback)', () => {
  it('builds decorators that leave no metadata and change nothing', () => {
    const api = createNoopOpenApi();
    expect(api.available).toBe(false);
    const { Target, descriptor } = decorated(api);
    expect(metadataKeys(Target)).toEqual([]);
    expect(new Target().handler()).toBe('handled');
    expect(Object.getOwnPropertyDescriptor(Target.prototype, 'handler')).toEqual(descriptor);
  });

  it('every factory returns a decorator, each call and each target alike', () => {
    const api = createNoopOpenApi();
    const { method, type } = everyDecorator(api);
    for (const decorator of [...method, ...type]) {
      expect(typeof decorator).toBe('function');
      expect((decorator as (...args: unknown[]) => unknown)(class {})).toBeUndefined();
    }
  });

  it('computes schema paths as @nestjs/swagger does', () => {
    class TokenResponseDto {}
    const api = createNoopOpenApi();
    expect(api.getSchemaPath(TokenResponseDto)).toBe(getSchemaPath(TokenResponseDto));
    expect(api.getSchemaPath('ErrorBodyDto')).toBe(getSchemaPath('ErrorBodyDto'));
  });

  it('is what createOpenApi gives when the import failed', () => {
    for (const missing of [undefined, null, 'nope']) {
      const api = createOpenApi(missing);
      expect(api.available).toBe(false);
      expect(metadataKeys(decorated(api).Target)).toEqual([]);
    }
  });

  it('falls back factory by factory when the module lacks one', () => {
    const tags: string[][] = [];
    const api = createOpenApi({
      ApiTags: (...names: string[]) => (tags.push(names), () => undefined),
    });
    expect(api.available).toBe(true);
    api.ApiTags('auth')(class {});
    expect(tags).toEqual([['auth']]);
    expect(metadataKeys(decorated(createOpenApi({})).Target)).toEqual([]);
  });
});

describe('openApi with @nestjs/swagger installed (this repository)', () => {
  it('uses its decorators', () => {
    expect(openApi.available).toBe(true);
    const keys = metadataKeys(decorated(openApi).Target).map(String);
    expect(keys).toEqual(
      expect.arrayContaining([
        'swagger/apiUseTags',
        'swagger/apiOperation',
        'swagger/apiModelProperties',
      ]),
    );
  });
});
