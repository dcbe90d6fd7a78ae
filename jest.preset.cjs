// Shared Jest settings: swc transpiles TypeScript (type checking is the separate `typecheck` target),
// workspace libraries resolve to their sources like tsconfig.base.json's paths.
const path = require('node:path');
const root = __dirname;
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
    // jose (jwks-rsa's JWK decoding) ships ES modules only: Node loads them with require(esm), Jest needs them compiled.
    '/node_modules/jose/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/src/**/*.test.ts'],
  moduleNameMapper: {
    '^@tollgate/(schemas|providers|billing|db|config|testing|lightning|redis-state)$': path.join(root, 'libs/$1/src/index.ts'),
    // Test support that production code never imports (it needs dev dependencies such as bolt11).
    '^@tollgate/db/testing$': path.join(root, 'libs/db/src/testing/index.ts'),
    '^@tollgate/lightning/testing$': path.join(root, 'libs/lightning/src/testing/index.ts'),
    '^@tollgate/providers/testing$': path.join(root, 'libs/providers/src/testing/index.ts'),
    '^@tollgate/testing/x402$': path.join(root, 'libs/testing/src/x402/index.ts'),
  },
  testTimeout: 30000,
  // A suite that fails half-way can leave a connection retrying; its failure is reported either way, and the run
  // must end then rather than hold CI until its time limit.
  forceExit: true,
};
