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
  /^bin\/iflychat-check-account\.js$/,
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
  'bin/iflychat-check-account.js',
  'README.md',
  'CHANGELOG.md',
  'LICENSE',
  'dist/server/index.js',
  'dist/server/index.mjs',
  'dist/admin/index.js',
  'dist/admin/index.mjs',
  // The front-end kit (strapi-plugin-iflychat/client and /react).
  'dist/kit/cjs/client.js',
  'dist/kit/cjs/client.d.ts',
  'dist/kit/cjs/react.js',
  'dist/kit/cjs/react.d.ts',
  'dist/kit/esm/client.js',
  'dist/kit/esm/react.js',
  'dist/kit/esm/package.json',
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
// The kit's entry points load, in both module systems, without a browser and without React
// being touched until a component renders.
const kit = require(path.join(root, 'dist', 'kit', 'cjs', 'client.js'));
for (const name of ['loadIflychat', 'embedRoom', 'IflychatKitError']) {
  if (typeof kit[name] !== 'function') {
    console.error(`strapi-plugin-iflychat/client does not export ${name}`);
    process.exit(1);
  }
}
import(path.join(root, 'dist', 'kit', 'esm', 'client.js'))
  .then((esm) => {
    if (typeof esm.loadIflychat !== 'function') throw new Error('no loadIflychat in the ES module');
    console.log('npm pack contents, strapi-server.js and the kit are as expected');
  })
  .catch((error) => {
    console.error(`the kit's ES module does not load: ${error.message}`);
    process.exit(1);
  });
