/**
 * The MySQL tier: the delivery, lifecycle, runner and room panel integration tests again (REPEATABLE
 * READ: one snapshot per transaction), on a MariaDB or MySQL server
 * that the global setup starts (tests/helpers/mysql.ts) and the teardown stops, and the
 * two-instance test on it (instances-mysql.test.ts, which only this tier runs), and the chat token
 * tests (the token-grant table's conditional writes, members-only rooms' membership query).
 * @type {import('jest').Config}
 */
const integration = require('./jest.integration.config.js');

module.exports = {
  ...integration,
  testMatch: [
    '<rootDir>/tests/integration/publish.test.ts',
    '<rootDir>/tests/integration/lifecycle.test.ts',
    '<rootDir>/tests/integration/faults.test.ts',
    '<rootDir>/tests/integration/runner.test.ts',
    '<rootDir>/tests/integration/rooms-api.test.ts',
    // The Rooms page's queries (anti-joins, LIKE with an escape, ENUM order) on MySQL's SQL too.
    '<rootDir>/tests/integration/rooms-page.test.ts',
    '<rootDir>/tests/integration/instances-mysql.test.ts',
    '<rootDir>/tests/integration/tokens.test.ts',
    '<rootDir>/tests/integration/members.test.ts',
    // Moderation's log writes and Retry failed's capped compare-and-set, on the server databases too.
    '<rootDir>/tests/integration/moderation.test.ts',
    '<rootDir>/tests/integration/rooms-retry-failed.test.ts',
  ],
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: '<rootDir>/tests/helpers/mysql-setup.ts',
  globalTeardown: '<rootDir>/tests/helpers/mysql-teardown.ts',
};
