#!/usr/bin/env node
'use strict';

/**
 * Checks what `npm pack` would publish: only what a Strapi site needs, and every entry point the
 * package.json names.
 */
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const [pack] = JSON.parse(
  execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
  })
);
const files = pack.files.map((file) => file.path);
const allowed = [
  /^dist\//,
  /^strapi-server\.js$/,
  /^README\.md$/,
  /^CHANGELOG\.md$/,
  /^LICENSE$/,
  /^package\.json$/,
];
const unexpected = files.filter((file) => !allowed.some((pattern) => pattern.test(file)));
const required = [
  'package.json',
  'strapi-server.js',
  'README.md',
  'CHANGELOG.md',
  'LICENSE',
  'dist/server/index.js',
  'dist/server/index.mjs',
  'dist/admin/index.js',
  'dist/admin/index.mjs',
];
const missing = required.filter((file) => !files.includes(file));

console.log(
  `npm pack: ${files.length} files, ${(pack.unpackedSize / 1024).toFixed(0)} kB unpacked`
);
if (unexpected.length || missing.length) {
  if (unexpected.length)
    console.error(`unexpected files in the package:\n  ${unexpected.join('\n  ')}`);
  if (missing.length) console.error(`missing from the package:\n  ${missing.join('\n  ')}`);
  process.exit(1);
}

// The fallback entry must load the built server.
const server = require(path.join(root, 'strapi-server.js'));
for (const key of ['register', 'bootstrap', 'destroy', 'config', 'contentTypes', 'services']) {
  if (!(key in server)) {
    console.error(`strapi-server.js does not export ${key}`);
    process.exit(1);
  }
}
console.log('npm pack contents and strapi-server.js are as expected');
