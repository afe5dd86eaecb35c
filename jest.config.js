/** Jest runs the TypeScript sources as native ES modules, compiled by SWC with decorator metadata. */
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};

/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  moduleNameMapper: {
    '^nest-jwt-security$': '<rootDir>/lib/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/lib/**/*.spec.ts', '<rootDir>/test/**/*.{spec,e2e-spec,int-spec}.ts'],
  resolver: '<rootDir>/test/utils/jest/resolver.cjs',
  testTimeout: 30000,
  // Two suites at a time: most of the time is spent waiting on servers, Redis and PostgreSQL, so
  // two workers halve the run on a 2-core machine (Jest's default is cores - 1), and the suites
  // are checked to pass with that, and with a third process competing for the CPU.
  maxWorkers: 2,
};
