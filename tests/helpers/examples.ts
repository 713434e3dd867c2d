/**
 * The examples in examples/ as a site's developer uses them: the kit packed with `npm pack`, an
 * example copied out of the repository and installed from the registry with the tarball in place
 * of the repository's folder, a static server for what it builds (or for the page itself), and
 * `next start` for the Next.js example.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { ROOT, waitFor } from './playground';

/** The environment without the settings of an `npm test` that may be running this file. */
export function npmEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_'))
    ),
    ...extra,
  };
}

/** packages/kit packed into `work`; answers the tarball's path. */
export function packKit(work: string): string {
  const packed = execFileSync('npm', ['pack', '--json', '--pack-destination', work], {
    cwd: path.join(ROOT, 'packages', 'kit'),
    env: npmEnv(),
    encoding: 'utf8',
    stdio: 'pipe',
  });
  return path.join(work, (JSON.parse(packed) as Array<{ filename: string }>)[0].filename);
}

/**
 * examples/`name` copied into `work/app` with the kit's tarball as its dependency, installed with
 * `npm install` (every warning, peer dependency ones included, is in `log`).
 */
export function installExample(
  name: string,
  work: string,
  env: Record<string, string> = {}
): { app: string; log: string } {
  const tarball = packKit(work);
  const app = path.join(work, 'app');
  fs.cpSync(path.join(ROOT, 'examples', name), app, {
    recursive: true,
    filter: (from) => !/[\\/](node_modules|dist|\.next)$/.test(from),
  });
  const manifest = JSON.parse(fs.readFileSync(path.join(app, 'package.json'), 'utf8'));
  manifest.dependencies['iflychat-strapi-kit'] = `file:${tarball}`;
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify(manifest, null, 2));
  const log = execFileSync(
    'sh',
    ['-c', 'npm install --prefer-offline --no-audit --no-fund --loglevel warn 2>&1'],
    { cwd: app, encoding: 'utf8', env: npmEnv(env) }
  );
  return { app, log };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
};

/** Serves the files under `dir` on 127.0.0.1, as any static host would; answers its URL. */
export async function serveStatic(dir: string): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer((request, response) => {
    const wanted = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    const file = path.join(dir, wanted === '/' ? 'index.html' : wanted);
    if (!file.startsWith(dir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'text/plain' });
    fs.createReadStream(file).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** A free TCP port on 127.0.0.1 (for a server that cannot be told to pick one itself). */
async function freePort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export interface NextServer {
  url: string;
  /** What the server printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** `next start` in a built Next.js app, on 127.0.0.1; resolves once it answers. */
export async function startNext(app: string, env: Record<string, string>): Promise<NextServer> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [path.join(app, 'node_modules', 'next', 'dist', 'bin', 'next'), 'start', '-H', '127.0.0.1'],
    { cwd: app, env: npmEnv({ ...env, PORT: String(port) }), stdio: ['ignore', 'pipe', 'pipe'] }
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`next start exited:\n${output}`);
      return fetch(url).then(
        () => true,
        () => false
      );
    }, 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, output: () => output, stop };
}
