/**
 * Jest resolver. Jest on Node < 24.9 cannot `require()` an ES module, and Nest 12 is ESM-only,
 * so a CommonJS package that requires `@nestjs/common` (as @nestjs/throttler's storage service
 * does) fails to load under Jest, while Node >= 20.19 loads it natively. Only for such requires
 * from node_modules, `@nestjs/common` resolves to a CommonJS stand-in of what they use.
 */
const { join, sep } = require('node:path');

const STAND_IN = join(__dirname, 'nest-common.require-shim.cjs');
const CJS_CALLERS = [`${sep}node_modules${sep}@nestjs${sep}throttler${sep}`];

module.exports = (request, options) => {
  if (request === '@nestjs/common' && CJS_CALLERS.some((dir) => options.basedir.includes(dir))) {
    return STAND_IN;
  }
  return options.defaultResolver(request, options);
};
