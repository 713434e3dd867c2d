#!/usr/bin/env node
'use strict';

/**
 * `node scripts/node-matrix.js [major …]`: the kit and the plugin on every Node.js major their
 * package.json `engines` declare (or the majors given), each Node brought by the npm package
 * `node` (`npm install node@<major>`: the official binary, from the npm registry) into
 * node_modules/.cache/iflychat-node/<major>. For each major:
 *
 * - kit: its unit tests (tests/unit/kit.test.ts) run with that Node, and its built CommonJS and
 *   ES modules imported there without a window (what a server-rendered page does);
 * - plugin (majors the plugin declares): the playground booted by that Node in a process of its
 *   own, on PostgreSQL (pure JavaScript: `pg`), with the plugin configured against the emulator;
 *   one Community published, and the room created in the emulator and its id written back;
 * - better-sqlite3: whether the native module the repository installed (for the Node it was
 *   installed with) loads there. It is compiled for one Node ABI: a site on another major gets
 *   its own build with its own `npm install`, so a failure here (marked ·) says nothing about the
 *   plugin and fails nothing.
 *
 * A major given that the packages do not declare is run too, and fails nothing (`node
 * scripts/node-matrix.js 18` shows why the plugin does not declare Node 18). Prints one line a
 * check and a table; exits 1 when a declared major fails a check. `npm test` runs it (step
 * node-matrix, where PostgreSQL is there: about two minutes, the Node binaries cached).
 */
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

require('esbuild-register/dist/node').register({ target: `node${process.versions.node}` });

const root = path.resolve(__dirname, '..');
const cache = path.join(root, 'node_modules', '.cache', 'iflychat-node');
const { createEmulator } = require('../tests/emulator/server');
const { startPostgres, createDatabase } = require('../tests/helpers/postgres');
const {
  playgroundConfig,
  playgroundEnv,
  prepareDist,
  removeRun,
} = require('../tests/helpers/playground');
const { startPublisher } = require('../tests/helpers/processes');

/** The majors a `^20.0.0 || ^22.0.0` range names. */
function majorsOf(range) {
  const majors = [...range.matchAll(/\^(\d+)\.\d+\.\d+/g)].map((match) => Number(match[1]));
  if (majors.length === 0) throw new Error(`engines.node ${range} names no ^major`);
  return majors;
}

const pluginMajors = majorsOf(require('../package.json').engines.node);
const kitMajors = majorsOf(require('../packages/kit/package.json').engines.node);

/** A Node.js binary of `major`: this one, or the npm package `node@major`. */
function nodeOf(major) {
  if (Number(process.versions.node.split('.')[0]) === major) return process.execPath;
  const dir = path.join(cache, String(major));
  const bin = path.join(dir, 'node_modules', 'node', 'bin', 'node');
  if (!fs.existsSync(bin)) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), '{ "private": true }\n');
    // Without the settings of an `npm test` running this script, which would point npm at the
    // repository instead of `dir`.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_'))
    );
    execFileSync(
      'npm',
      [
        'install',
        '--prefix',
        dir,
        '--no-audit',
        '--no-fund',
        '--loglevel',
        'error',
        `node@${major}`,
      ],
      { cwd: dir, stdio: 'inherit', env }
    );
  }
  return bin;
}

/** Runs `args` with `node`; answers whether it exited 0, and its output. */
function run(node, args) {
  const result = spawnSync(node, args, { cwd: root, encoding: 'utf8', env: process.env });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

function kitTests(node) {
  const report = path.join(cache, 'kit-report.json');
  fs.rmSync(report, { force: true });
  const jest = path.join(root, 'node_modules', 'jest', 'bin', 'jest.js');
  const { ok, output } = run(node, [
    jest,
    '--config',
    'tests/jest.unit.config.js',
    '--json',
    '--outputFile',
    report,
    'tests/unit/kit.test.ts',
  ]);
  const counted = fs.existsSync(report) ? JSON.parse(fs.readFileSync(report, 'utf8')) : null;
  const passed = counted ? counted.numPassedTests : 0;
  return { ok: ok && passed > 0, detail: `${passed} passed`, output };
}

const IMPORT_KIT = `
  const kit = ${JSON.stringify(path.join(root, 'packages', 'kit', 'dist'))};
  const cjs = require(kit + '/cjs/client.js');
  require(kit + '/cjs/react.js');
  import(kit + '/esm/client.js').then(async (esm) => {
    await import(kit + '/esm/react.js');
    if (typeof cjs.createChatSession !== 'function' || typeof esm.getChatToken !== 'function') {
      throw new Error('the kit exports no createChatSession or getChatToken');
    }
    if (typeof globalThis.window !== 'undefined') throw new Error('importing made a window');
  }).catch((error) => { console.error(error); process.exit(1); });
`;

function kitImport(node) {
  const { ok, output } = run(node, ['-e', IMPORT_KIT]);
  return { ok, detail: ok ? 'cjs + esm' : 'failed', output };
}

function sqlite(node) {
  const { ok, output } = run(node, ['-e', "new (require('better-sqlite3'))(':memory:').close()"]);
  const abi = /NODE_MODULE_VERSION (\d+)[^]*?NODE_MODULE_VERSION (\d+)/.exec(output);
  return {
    ok,
    detail: ok ? 'loads' : abi ? `built for ABI ${abi[1]}, Node has ${abi[2]}` : 'does not load',
    output,
  };
}

/** The playground booted by `node` on PostgreSQL; one publish, one room. */
async function pluginSmoke(node, major, context) {
  const database = await createDatabase(context.postgres, `node_matrix_${major}`);
  const distDir = prepareDist(playgroundConfig(context.emulator));
  const name = `Node ${major}`;
  const publisher = startPublisher({
    node,
    env: playgroundEnv(distDir, database.env),
    distDir,
    prefix: name,
    count: 1,
  });
  try {
    await publisher.until((p) => p.links?.created === 1, 240_000, 'the room was created');
    const created = context.emulator
      .requestsTo('room/create')
      .filter((request) => request.body.room_name === `${name} 0`);
    const [row] = await database.query(`SELECT room_id FROM communities WHERE name = $1`, [
      `${name} 0`,
    ]);
    const ok = created.length === 1 && row && String(row.room_id) !== 'null';
    return { ok, detail: ok ? `room ${row.room_id} created and written back` : 'no room' };
  } catch (error) {
    const output = String(error.message ?? error);
    const reason = output.split('\n').find((line) => /Error\b/.test(line)) ?? 'failed';
    return { ok: false, detail: reason.trim().slice(0, 100), output };
  } finally {
    await publisher.kill('SIGTERM');
    await database.drop();
    removeRun(distDir);
  }
}

/** One line for a check; the end of its output when it failed and counts, or was asked for. */
function report(major, name, result, seconds, { counts, explain }) {
  const mark = result.ok ? '✔' : counts ? '✖' : '·';
  console.log(`${mark} Node ${major} ${name}: ${result.detail} (${seconds.toFixed(1)} s)`);
  if (!result.ok && (counts || explain) && result.output) {
    console.log(result.output.trim().split('\n').slice(-15).join('\n'));
  }
}

/**
 * The checks of one major: the kit's where the kit declares it, the plugin's where the plugin
 * does (both for a major asked for by name). Answers its row of the table and whether a check
 * that counts failed.
 */
async function runMajor(major, context) {
  const started = Date.now();
  const node = nodeOf(major);
  const version = run(node, ['-v']).output.trim();
  console.log(
    `\n▶ Node ${major} (${version}, ${((Date.now() - started) / 1000).toFixed(1)} s to get)`
  );
  const kit = kitMajors.includes(major);
  const plugin = pluginMajors.includes(major);
  const checks = [
    ['kit tests', kit, () => kitTests(node)],
    ['kit import', kit, () => kitImport(node)],
    ['plugin smoke', plugin, () => pluginSmoke(node, major, context)],
    // Never counts: see the header.
    ['better-sqlite3', false, () => sqlite(node), plugin],
  ];
  const row = { major, version };
  let failed = false;
  for (const [name, counts, check, shown = counts] of checks) {
    if (!shown && !context.explain) {
      row[name] = 'not declared';
      continue;
    }
    const at = Date.now();
    const result = await check();
    report(major, name, result, (Date.now() - at) / 1000, { counts, explain: context.explain });
    row[name] = result.ok ? result.detail : `${counts ? '✖' : '·'} ${result.detail}`;
    failed ||= counts && !result.ok;
  }
  row.seconds = Math.round((Date.now() - started) / 1000);
  return { row, failed };
}

async function main() {
  const asked = process.argv.slice(2).map(Number).filter(Boolean);
  const majors = asked.length > 0 ? asked : [...new Set([...kitMajors, ...pluginMajors])];
  const { compileStrapi } = require('@strapi/strapi');
  await compileStrapi({ appDir: path.join(root, 'playground') });
  const emulator = await createEmulator().start();
  const postgres = await startPostgres();
  const rows = [];
  let failed = false;
  try {
    for (const major of majors.sort((a, b) => a - b)) {
      const result = await runMajor(major, { emulator, postgres, explain: asked.length > 0 });
      rows.push(result.row);
      failed ||= result.failed;
    }
  } finally {
    await postgres.stop();
    await emulator.stop();
  }
  console.log('');
  console.table(rows);
  console.log(`declared: plugin ${pluginMajors.join(', ')}; kit ${kitMajors.join(', ')}`);
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
