#!/usr/bin/env node
'use strict';

/**
 * Checks what `npm pack` would publish: only what a Strapi site needs, and every entry point the
 * package.json names; and the same for the front-end kit's own package (packages/kit).
 */
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const kitRoot = path.join(root, 'packages', 'kit');

function dryPack(cwd) {
  const [pack] = JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd,
      encoding: 'utf8',
    })
  );
  return pack;
}

const pack = dryPack(root);
const files = pack.files.map((file) => file.path);
const allowed = [
  /^dist\//,
  /^bin\/iflychat-check-account\.js$/,
  /^strapi-server\.js$/,
  /^README\.md$/,
  /^CHANGELOG\.md$/,
  /^LICENSE$/,
  /^package\.json$/,
];
// The kit is its own package now (iflychat-strapi-kit), not a part of the plugin's.
const unexpected = files.filter(
  (file) => !allowed.some((pattern) => pattern.test(file)) || file.startsWith('dist/kit/')
);
const required = [
  'package.json',
  'strapi-server.js',
  'bin/iflychat-check-account.js',
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
checkKit();

/**
 * The kit's package: its built entry points, README and licence only; no dependency (React is
 * an optional peer); side-effect free; and its entry points load, in both module systems,
 * without a browser and without React being touched until a component renders.
 */
function checkKit() {
  const kitPack = dryPack(kitRoot);
  const kitFiles = kitPack.files.map((file) => file.path).sort();
  const expected = [
    'LICENSE',
    'README.md',
    'dist/cjs/client.d.ts',
    'dist/cjs/client.js',
    'dist/cjs/react.d.ts',
    'dist/cjs/react.js',
    'dist/esm/client.d.ts',
    'dist/esm/client.js',
    'dist/esm/package.json',
    'dist/esm/react.d.ts',
    'dist/esm/react.js',
    'package.json',
  ];
  const manifest = require(path.join(kitRoot, 'package.json'));
  const problems = [];
  if (JSON.stringify(kitFiles) !== JSON.stringify(expected)) {
    problems.push(`its files are\n  ${kitFiles.join('\n  ')}\nnot\n  ${expected.join('\n  ')}`);
  }
  if (manifest.dependencies || manifest.optionalDependencies) problems.push('it has dependencies');
  if (manifest.sideEffects !== false) problems.push('it is not marked sideEffects: false');
  if (!manifest.peerDependenciesMeta?.react?.optional) problems.push('React is not optional');
  const kit = require(path.join(kitRoot, 'dist', 'cjs', 'client.js'));
  for (const name of ['createChatSession', 'getChatToken', 'embedRoom', 'loadIflychat']) {
    if (typeof kit[name] !== 'function') problems.push(`its client does not export ${name}`);
  }
  const react = require(path.join(kitRoot, 'dist', 'cjs', 'react.js'));
  for (const name of ['IflychatProvider', 'IflychatRoom', 'useIflychat']) {
    if (typeof react[name] !== 'function') problems.push(`its react entry does not export ${name}`);
  }
  if (problems.length) {
    console.error(`the kit's package (packages/kit):\n${problems.join('\n')}`);
    process.exit(1);
  }
  console.log(`kit npm pack: ${kitFiles.length} files`);
}

import(path.join(kitRoot, 'dist', 'esm', 'client.js'))
  .then((esm) => {
    if (typeof esm.createChatSession !== 'function') {
      throw new Error('no createChatSession in the ES module');
    }
    console.log('npm pack contents, strapi-server.js and the kit are as expected');
  })
  .catch((error) => {
    console.error(`the kit's ES module does not load: ${error.message}`);
    process.exit(1);
  });
