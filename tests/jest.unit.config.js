/** @type {import('jest').Config} */
module.exports = {
  rootDir: '..',
  testMatch: ['<rootDir>/tests/unit/**/*.test.ts'],
  transform: { '^.+\\.tsx?$': ['ts-jest', { tsconfig: '<rootDir>/tests/tsconfig.json' }] },
  testEnvironment: 'node',
  // The kit's sources import each other as `./client.js`, as its ES module build needs.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};
