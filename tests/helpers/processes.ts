/** Strapi instances in child processes (tests/processes/publisher.js), driven from a test. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

import { ROOT } from './playground';

export type LinkCounts = Record<
  'pending' | 'processing' | 'retrying' | 'created' | 'failed',
  number
>;

export interface Publisher {
  readonly child: ChildProcess;
  readonly ready: boolean;
  readonly published: number;
  readonly done: boolean;
  readonly links: LinkCounts | null;
  /** The last value each key of the process's JSON lines had (`{"ops": 12}` → `last.ops`). */
  readonly last: Record<string, unknown>;
  readonly output: string;
  /** Resolves when `check` holds for this publisher; rejects on timeout or early exit. */
  until(check: (publisher: Publisher) => boolean, timeoutMs: number, what: string): Promise<void>;
  kill(signal: NodeJS.Signals): Promise<number | null>;
  /** Writes one JSON line on the process's stdin (with `stdin: true`). */
  send(message: Record<string, unknown>): void;
}

export function startPublisher(options: {
  env: Record<string, string>;
  distDir: string;
  prefix: string;
  count: number;
  /** Milliseconds between two publishes. */
  pauseMs?: number;
  /** Another script of tests/processes that speaks the same lines (publisher.js by default). */
  script?: string;
  /** Whether the test writes commands on the process's stdin. */
  stdin?: boolean;
  /** The Node.js binary to run it with (this process's by default). */
  node?: string;
}): Publisher {
  const script = path.join(ROOT, 'tests', 'processes', options.script ?? 'publisher.js');
  const child = spawn(options.node ?? process.execPath, [script], {
    cwd: path.join(ROOT, 'playground'),
    env: {
      ...process.env,
      ...options.env,
      IFLYCHAT_DIST_DIR: options.distDir,
      IFLYCHAT_PREFIX: options.prefix,
      IFLYCHAT_COUNT: String(options.count),
      IFLYCHAT_PUBLISH_PAUSE_MS: String(options.pauseMs ?? 0),
    },
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  let ready = false;
  let published = 0;
  let done = false;
  let links: LinkCounts | null = null;
  const last: Record<string, unknown> = {};
  let output = '';
  let buffer = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });

  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf('\n');
      try {
        const message = JSON.parse(line) as Record<string, unknown>;
        Object.assign(last, message);
        if (message.ready) ready = true;
        if (typeof message.published === 'number') published = message.published;
        if (message.done) done = true;
        if (message.links) links = message.links as LinkCounts;
      } catch {
        output += `${line}\n`; // Strapi's own log lines
      }
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });

  const publisher: Publisher = {
    child,
    get ready() {
      return ready;
    },
    get published() {
      return published;
    },
    get done() {
      return done;
    },
    get links() {
      return links;
    },
    get last() {
      return last;
    },
    get output() {
      return output;
    },
    async until(check, timeoutMs, what) {
      const started = Date.now();
      while (!check(publisher)) {
        if (exitCode !== undefined) {
          throw new Error(`publisher exited (${exitCode}) before ${what}:\n${output.slice(-4000)}`);
        }
        if (Date.now() - started > timeoutMs) {
          throw new Error(
            `publisher: ${what} did not happen within ${timeoutMs} ms (ready ${ready}, published ${published}, links ${JSON.stringify(links)}):\n${output.slice(-4000)}`
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async kill(signal) {
      if (exitCode === undefined) child.kill(signal);
      return exited;
    },
    send(message) {
      child.stdin?.write(`${JSON.stringify(message)}\n`);
    },
  };
  return publisher;
}
