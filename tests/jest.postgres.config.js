/**
 * The PostgreSQL tier: the reconciler's single-instance interleaving tests again on PostgreSQL
 * (READ COMMITTED: each statement sees what committed before it), on a server the global setup
 * starts (tests/helpers/postgres.ts) and the teardown stops; and the storm and time-zone tests,
 * which start PostgreSQL servers of their own.
 * @type {import('jest').Config}
 */
const integration = require('./jest.integration.config.js');

module.exports = {
  ...integration,
  testMatch: [
    '<rootDir>/tests/integration/runner.test.ts',
    '<rootDir>/tests/integration/lifecycle.test.ts',
    '<rootDir>/tests/integration/rooms-api.test.ts',
    // The Rooms page's queries (entries grouped per document, LIKE with an escape, a count
    // over the page) on PostgreSQL's SQL too.
    '<rootDir>/tests/integration/rooms-page.test.ts',
    '<rootDir>/tests/integration/publish.test.ts',
    // Two Strapi processes each, with a PostgreSQL server of their own: run here, apart from the
    // integration step's timing-sensitive files.
    '<rootDir>/tests/integration/storm.test.ts',
    '<rootDir>/tests/integration/timezones.test.ts',
    // Chat-token revocation across two Strapi processes.
    '<rootDir>/tests/integration/revocation.test.ts',
    // Moderation's log writes and Retry failed's capped compare-and-set, on the server databases too.
    '<rootDir>/tests/integration/moderation.test.ts',
    '<rootDir>/tests/integration/rooms-retry-failed.test.ts',
  ],
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: '<rootDir>/tests/helpers/postgres-setup.ts',
  globalTeardown: '<rootDir>/tests/helpers/postgres-teardown.ts',
};
