#!/usr/bin/env node
'use strict';

/**
 * Builds the front-end kit, its own npm package (packages/kit, `iflychat-strapi-kit`), with the
 * root's TypeScript: CommonJS in packages/kit/dist/cjs, ES modules in packages/kit/dist/esm (marked
 * as such by a package.json of their own), each with its type declarations. Run by
 * `npm run build` after the plugin build.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const kit = path.join(root, 'packages', 'kit');
const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
const out = path.join(kit, 'dist');

fs.rmSync(out, { recursive: true, force: true });
for (const config of ['tsconfig.json', 'tsconfig.esm.json']) {
  // No incremental state: dist was just removed, so every file must be written again.
  const result = spawnSync(tsc, ['-p', path.join(kit, config), '--incremental', 'false'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
fs.writeFileSync(path.join(out, 'esm', 'package.json'), '{ "type": "module" }\n');
console.log('kit built into packages/kit/dist (cjs + esm)');
