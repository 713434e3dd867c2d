/** @type {import('jest').Config} */
module.exports = {
  rootDir: '..',
  testMatch: ['<rootDir>/tests/e2e/**/*.e2e.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tests/tsconfig.json' }] },
  testEnvironment: 'node',
  globalSetup: '<rootDir>/tests/helpers/global-setup.js',
  testTimeout: 180_000,
  maxWorkers: 1,
};
