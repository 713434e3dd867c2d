/**
 * The emulator in a process of its own (`node tests/emulator/cli.js`), driven over its control
 * API. Used where the emulator's own work must not share an event loop with Strapi: the
 * benchmarks, like iFlyChat being another machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

import type { FaultRule, RecordedRequest, Room } from './server';

export interface RemoteEmulator {
  url: string;
  apiKey: string;
  configure(settings: { latencyMs?: number; faults?: FaultRule[] }): Promise<void>;
  reset(): Promise<void>;
  state(): Promise<{ rooms: Room[]; requests: RecordedRequest[] }>;
  stop(): Promise<void>;
}

export async function startRemoteEmulator(latencyMs: number): Promise<RemoteEmulator> {
  const child: ChildProcess = spawn(process.execPath, [path.join(__dirname, 'cli.js')], {
    env: {
      ...process.env,
      IFLYCHAT_EMULATOR_PORT: '0',
      IFLYCHAT_EMULATOR_LATENCY_MS: String(latencyMs),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = output.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`the emulator exited (${code}): ${output}`)));
  });
  const control = async (method: string, route: string, body?: unknown) => {
    const response = await fetch(`${url}/__control/${route}`, {
      method,
      headers: body ? { 'Content-Type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!response.ok) throw new Error(`emulator control ${route}: HTTP ${response.status}`);
    return response.json();
  };
  return {
    url,
    apiKey: 'emulator-api-key',
    async configure(settings) {
      await control('POST', 'configure', settings);
    },
    async reset() {
      await control('POST', 'reset');
    },
    async state() {
      return (await control('GET', 'state')) as { rooms: Room[]; requests: RecordedRequest[] };
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
