#!/usr/bin/env node
'use strict';

/**
 * `npm test`: the whole suite, in the order that fails fastest.
 *   type checks (server, admin, tests, kit; strict) → lint → formatting → plugin and kit build + verify →
 *   unit tests → integration tests (real Strapi + SQLite + emulator) → package contents →
 *   playground admin build → browser tests (Debian's Chromium + playwright-core).
 * Set IFLYCHAT_TEST_ONLY=unit,integration (comma separated step names) to run a subset.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const reports = path.join(root, 'node_modules', '.cache', 'iflychat-tests');
fs.mkdirSync(reports, { recursive: true });
process.env.STRAPI_TELEMETRY_DISABLED = 'true';

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

const steps = [
  { name: 'typecheck', cmd: ['npm', 'run', '--silent', 'typecheck'] },
  { name: 'lint', cmd: [bin('eslint'), '.', '--max-warnings', '0'] },
  { name: 'format', cmd: [bin('prettier'), '--check', '.', '--log-level', 'warn'] },
  { name: 'translations', cmd: [process.execPath, 'scripts/translations.js', '--check'] },
  { name: 'build', cmd: [bin('strapi-plugin'), 'build'] },
  { name: 'build-kit', cmd: [process.execPath, 'scripts/build-kit.js'] },
  { name: 'verify', cmd: [bin('strapi-plugin'), 'verify'] },
  { name: 'unit', cmd: jest('tests/jest.unit.config.js', 'unit'), jest: true },
  {
    name: 'integration',
    cmd: jest('tests/jest.integration.config.js', 'integration'),
    jest: true,
    requiredInCi: ['tests/integration/instances.test.ts'],
  },
  { name: 'package', cmd: [process.execPath, 'scripts/check-package.js'] },
  // The browser tests need the playground's admin panel built with the plugin in it.
  { name: 'admin-build', cmd: [bin('strapi'), 'build'], cwd: path.join(root, 'playground') },
  { name: 'e2e', cmd: jest('tests/jest.e2e.config.js', 'e2e'), jest: true },
];

const only = process.env.IFLYCHAT_TEST_ONLY?.split(',').map((s) => s.trim());
let passed = 0;
let failed = 0;

for (const step of steps) {
  if (only && !only.includes(step.name)) continue;
  const started = Date.now();
  console.log(
    `\n▶ ${step.name}: ${step.cmd.map((part) => path.relative(root, part) || part).join(' ')}`
  );
  const result = spawnSync(step.cmd[0], step.cmd.slice(1), {
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
      // In CI the PostgreSQL tier must have run and passed, never been left out.
      for (const required of step.requiredInCi ?? []) {
        const suite = report.testResults.find((result) => result.name.endsWith(required));
        const ok = suite && suite.status === 'passed' && suite.assertionResults.length > 0;
        if (process.env.CI && !ok) {
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
    console.log(`\ntests: ${passed} passed, ${Math.max(failed, 1)} failed`);
    process.exit(1);
  }
  console.log(`✔ ${step.name} (${seconds} s)`);
}

console.log(`\ntests: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
