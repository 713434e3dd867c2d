/** @type {import('jest').Config} */
module.exports = {
  rootDir: '..',
  testMatch: ['<rootDir>/tests/integration/**/*.test.ts'],
  // The MySQL tier's own file (tests/jest.mysql.config.js), and the PostgreSQL step's own files
  // (tests/jest.postgres.config.js).
  testPathIgnorePatterns: [
    '/node_modules/',
    '<rootDir>/tests/integration/instances-mysql.test.ts',
    '<rootDir>/tests/integration/storm.test.ts',
    '<rootDir>/tests/integration/timezones.test.ts',
    '<rootDir>/tests/integration/revocation.test.ts',
  ],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tests/tsconfig.json' }] },
  testEnvironment: 'node',
  globalSetup: '<rootDir>/tests/helpers/global-setup.js',
  testTimeout: 60_000,
  // Each test file boots its own Strapi; one Strapi per worker process at a time.
  maxWorkers: 2,
};
