#!/usr/bin/env node
'use strict';

/**
 * Builds the front-end kit (kit/src → dist/kit), which `strapi-plugin build` does not know about:
 * CommonJS with type declarations in dist/kit/cjs, ES modules in dist/kit/esm (marked as such by
 * a package.json of their own). Run by `npm run build` after the plugin build.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
const out = path.join(root, 'dist', 'kit');

fs.rmSync(out, { recursive: true, force: true });
for (const config of ['kit/tsconfig.json', 'kit/tsconfig.esm.json']) {
  // No incremental state: dist/kit was just removed, so every file must be written again.
  const result = spawnSync(tsc, ['-p', config, '--incremental', 'false'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
fs.writeFileSync(path.join(out, 'esm', 'package.json'), '{ "type": "module" }\n');
console.log('kit built into dist/kit (cjs + esm)');
