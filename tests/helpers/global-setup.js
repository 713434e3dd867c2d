'use strict';

const fs = require('node:fs');
const path = require('node:path');

/** Compiles the playground once for every integration test file. */
module.exports = async function globalSetup() {
  process.env.STRAPI_TELEMETRY_DISABLED = 'true';
  const root = path.resolve(__dirname, '..', '..');
  if (!fs.existsSync(path.join(root, 'dist', 'server', 'index.js'))) {
    throw new Error('The plugin is not built: run `npm run build` (npm test does it for you).');
  }
  const { compileStrapi } = require('@strapi/strapi');
  await compileStrapi({ appDir: path.join(root, 'playground') });
};
