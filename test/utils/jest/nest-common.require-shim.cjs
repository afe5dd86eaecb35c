/**
 * What @nestjs/throttler's `ThrottlerStorageService` takes from `@nestjs/common`: `Injectable`,
 * with the same metadata keys as Nest's (`__injectable__`, `scope:options`). Loaded under Jest
 * only (see resolver.cjs); Node itself loads the real `@nestjs/common`.
 */
require('reflect-metadata');

exports.Injectable = (options) => (target) => {
  Reflect.defineMetadata('__injectable__', true, target);
  Reflect.defineMetadata('scope:options', options, target);
};
