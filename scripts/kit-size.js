#!/usr/bin/env node
'use strict';

/**
 * The front-end kit's size budget (packages/kit): each entry point bundled and minified as a
 * site's bundler would (esbuild; React and the kit's client left out of the React entry), then
 * gzipped. Prints both sizes; fails when one is over its budget.
 */
const path = require('node:path');
const zlib = require('node:zlib');
const esbuild = require('esbuild');

const src = path.resolve(__dirname, '..', 'packages', 'kit', 'src');
const BUDGETS = [
  { entry: 'client.ts', name: 'iflychat-strapi-kit/client', bytes: 5 * 1024, external: [] },
  {
    entry: 'react.tsx',
    name: 'iflychat-strapi-kit/react',
    bytes: 2 * 1024,
    external: ['react', 'react/jsx-runtime', './client.js'],
  },
];

let over = false;
for (const budget of BUDGETS) {
  const result = esbuild.buildSync({
    entryPoints: [path.join(src, budget.entry)],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2019',
    jsx: 'automatic',
    external: budget.external,
    write: false,
  });
  const code = result.outputFiles[0].contents;
  const gzipped = zlib.gzipSync(code, { level: 9 }).length;
  const fits = gzipped <= budget.bytes;
  over ||= !fits;
  console.log(
    `${fits ? '✔' : '✖'} ${budget.name}: ${(gzipped / 1024).toFixed(2)} kB min+gzip (${(code.length / 1024).toFixed(2)} kB minified; budget ${budget.bytes / 1024} kB)`
  );
}
process.exit(over ? 1 : 0);
