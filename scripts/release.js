#!/usr/bin/env node
'use strict';

/**
 * `npm run release`: everything to check before `npm publish`, in one command.
 *   1. the whole test suite, every tier required (as in CI: a missing browser or database
 *      server fails instead of being skipped);
 *   2. `strapi-plugin verify` on the built package;
 *   3. `npm pack --dry-run`, and the list of files the tarball would hold, with their sizes.
 * It publishes nothing. Stops at the first step that fails, with its exit code.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

function run(title, command, args, options = {}) {
  console.log(`\n▶ release: ${title}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.status !== 0) {
    console.error(`✖ release: ${title} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status || 1);
  }
}

const changelog = fs.readFileSync(path.join(root, 'CHANGELOG.md'), 'utf8');
if (!changelog.includes(`## ${pkg.version}`)) {
  console.error(`✖ release: CHANGELOG.md has no section for ${pkg.version}`);
  process.exit(1);
}

const suiteEnv = { ...process.env, CI: 'true' };
delete suiteEnv.IFLYCHAT_TEST_ONLY; // the whole suite, never a part of it
run('the whole test suite, every tier required', process.execPath, ['scripts/test.js'], {
  env: suiteEnv,
});
run('strapi-plugin verify', path.join(root, 'node_modules', '.bin', 'strapi-plugin'), ['verify']);

console.log('\n▶ release: npm pack --dry-run');
const packed = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
  cwd: root,
  encoding: 'utf8',
});
if (packed.status !== 0) {
  console.error(packed.stderr);
  console.error(`✖ release: npm pack --dry-run failed (exit ${packed.status})`);
  process.exit(packed.status || 1);
}
const [tarball] = JSON.parse(packed.stdout);
const kB = (bytes) => `${(bytes / 1024).toFixed(1)} kB`;
const width = Math.max(...tarball.files.map((file) => file.path.length));
console.log(`\n${tarball.filename} would hold ${tarball.files.length} files:`);
for (const file of [...tarball.files].sort((a, b) => a.path.localeCompare(b.path))) {
  console.log(`  ${file.path.padEnd(width)}  ${kB(file.size).padStart(10)}`);
}
console.log(
  `\n${tarball.name}@${tarball.version}: ${kB(tarball.size)} packed, ${kB(tarball.unpackedSize)} unpacked, sha512 ${tarball.integrity.slice(7, 23)}…`
);
console.log(`Ready: npm publish (after tagging v${tarball.version}).`);
