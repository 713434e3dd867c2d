#!/usr/bin/env node
'use strict';

/**
 * `npx iflychat-check-account` in a Strapi project: loads the project (no HTTP server), runs the
 * plugin's account check with the settings in force and prints one line per call. Exit code 0
 * when every call the settings need works, 1 when one does not (or no API key is set), 2 when
 * the check could not run. The API key is never printed.
 *
 *   --app-dir <dir>   the Strapi project (default: the current folder)
 *   --dist-dir <dir>  its compiled output (default: <app-dir>/dist for a TypeScript project)
 */
const fs = require('node:fs');
const path = require('node:path');

function option(name) {
  const index = process.argv.indexOf(name);
  return index > 0 ? process.argv[index + 1] : undefined;
}

async function main() {
  const appDir = path.resolve(option('--app-dir') ?? process.cwd());
  const typescript = fs.existsSync(path.join(appDir, 'tsconfig.json'));
  const distDir = path.resolve(
    option('--dist-dir') ?? (typescript ? path.join(appDir, 'dist') : appDir)
  );
  const { createStrapi } = require(require.resolve('@strapi/strapi', { paths: [appDir] }));
  const strapi = createStrapi({ appDir, distDir, serveAdminPanel: false, autoReload: false });
  await strapi.load();
  try {
    const result = await strapi.plugin('iflychat').service('settings').checkAccount();
    for (const line of result.lines) {
      const mark = line.outcome === 'works' ? 'ok  ' : line.outcome === 'skipped' ? '--  ' : 'FAIL';
      process.stdout.write(`${mark} ${line.call} ${line.path}: ${line.message}\n`);
    }
    process.stdout.write(`${result.message}\n`);
    return result.ok ? 0 : 1;
  } finally {
    await strapi.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(
      `iflychat-check-account: ${error instanceof Error ? error.message : String(error)}\n`
    );
    process.exit(2);
  }
);
