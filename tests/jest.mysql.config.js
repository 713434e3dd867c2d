/**
 * The MySQL tier: the delivery and lifecycle integration tests again, on a MariaDB or MySQL server
 * that the global setup starts (tests/helpers/mysql.ts) and the teardown stops.
 * @type {import('jest').Config}
 */
const integration = require('./jest.integration.config.js');

module.exports = {
  ...integration,
  testMatch: [
    '<rootDir>/tests/integration/publish.test.ts',
    '<rootDir>/tests/integration/lifecycle.test.ts',
    '<rootDir>/tests/integration/faults.test.ts',
  ],
  globalSetup: '<rootDir>/tests/helpers/mysql-setup.ts',
  globalTeardown: '<rootDir>/tests/helpers/mysql-teardown.ts',
};
