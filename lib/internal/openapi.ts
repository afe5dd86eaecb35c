import type { Type } from '@nestjs/common';

/**
 * Options handed to @nestjs/swagger as they are. Its own option types are not referenced here,
 * so that neither this module nor the declarations built from it need the package.
 */
export type OpenApiOptions = Record<string, unknown>;

/** A decorator usable on a class, a method or a property, as the swagger decorators are. */
export type OpenApiDecorator = ClassDecorator & MethodDecorator & PropertyDecorator;

/** The part of @nestjs/swagger the module uses: decorator factories and `getSchemaPath`. */
export interface OpenApi {
  /** `true` when @nestjs/swagger is installed and the factories below are its own. */
  readonly available: boolean;
  ApiTags(...tags: string[]): OpenApiDecorator;
  ApiOperation(options: OpenApiOptions): OpenApiDecorator;
  ApiBody(options: OpenApiOptions): OpenApiDecorator;
  ApiConsumes(...mimeTypes: string[]): OpenApiDecorator;
  ApiResponse(options: OpenApiOptions): OpenApiDecorator;
  ApiOkResponse(options?: OpenApiOptions): OpenApiDecorator;
  ApiNoContentResponse(options?: OpenApiOptions): OpenApiDecorator;
  ApiBearerAuth(name?: string): OpenApiDecorator;
  ApiProperty(options?: OpenApiOptions): OpenApiDecorator;
  ApiPropertyOptional(options?: OpenApiOptions): OpenApiDecorator;
  ApiParam(options: OpenApiOptions): OpenApiDecorator;
  ApiQuery(options: OpenApiOptions): OpenApiDecorator;
  ApiExtraModels(...models: Type<unknown>[]): OpenApiDecorator;
  ApiSchema(options?: OpenApiOptions): OpenApiDecorator;
  getSchemaPath(model: string | Type<unknown>): string;
}

type Factory = (...args: never[]) => OpenApiDecorator;
type FactoryName = Exclude<keyof OpenApi, 'available' | 'getSchemaPath'>;

const FACTORIES: readonly FactoryName[] = [
  'ApiTags',
  'ApiOperation',
  'ApiBody',
  'ApiConsumes',
  'ApiResponse',
  'ApiOkResponse',
  'ApiNoContentResponse',
  'ApiBearerAuth',
  'ApiProperty',
  'ApiPropertyOptional',
  'ApiParam',
  'ApiQuery',
  'ApiExtraModels',
  'ApiSchema',
];

/** A decorator that changes nothing: no metadata, the target and descriptor left as they are. */
const noop = (() => undefined) as unknown as OpenApiDecorator;

/** Where @nestjs/swagger puts a named schema; the same path it computes itself. */
function schemaPath(model: string | Type<unknown>): string {
  return `#/components/schemas/${typeof model === 'string' ? model : model.name}`;
}

/**
 * The fallback used when @nestjs/swagger is not installed: every factory returns a decorator
 * that does nothing, so the decorated classes behave exactly as undecorated ones.
 */
export function createNoopOpenApi(): OpenApi {
  const api = { available: false, getSchemaPath: schemaPath } as Record<string, unknown>;
  for (const name of FACTORIES) api[name] = () => noop;
  return api as unknown as OpenApi;
}

/**
 * The factories of a loaded @nestjs/swagger module, or the no-op fallback when `swagger` is
 * `undefined`. A factory missing from the module (an older or newer release) falls back alone.
 */
export function createOpenApi(swagger: unknown): OpenApi {
  const fallback = createNoopOpenApi();
  if (typeof swagger !== 'object' || swagger === null) return fallback;
  const source = swagger as Record<string, unknown>;
  const api = { ...fallback, available: true } as unknown as Record<string, unknown>;
  for (const name of [...FACTORIES, 'getSchemaPath'] as const) {
    if (typeof source[name] === 'function') api[name] = source[name] as Factory;
  }
  return api as unknown as OpenApi;
}

/**
 * @nestjs/swagger is an optional peer dependency: it is loaded once, here, and only if it is
 * installed. Nothing else in lib/ imports it.
 */
const swagger: unknown = await import('@nestjs/swagger').catch(() => undefined);

/** The swagger decorator factories, or no-ops when @nestjs/swagger is not installed. */
export const openApi: OpenApi = createOpenApi(swagger);
