/**
 * The settings page's connection test: one harmless call (`rooms/list`) with the entered values,
 * or the ones in force, answered with one of a few outcomes in the plugin's own words.
 */
import type { Core } from '@strapi/strapi';

import { testConnectionSchema, type TestConnection } from '../../../contracts/settings';
import type { BindingProblem } from '../config/bindings';
import type { ApiVersion } from '../../../contracts/config';
import { createIflychatClient, type IflychatClient } from '../iflychat/client';
import { IflychatApiError, isIflychatError } from '../iflychat/errors';
import { parseOr400, validationError } from '../utils/validation';
import { LOCKED_MESSAGE, type FileSettings } from './file';
import { transport, type Snapshot, type Snapshots } from './snapshot';
import { retypeKeyMessage } from './stored';

type Outcome = TestConnection.Response['data'];

/**
 * The key to test `baseUrl` with: the one typed in, else the one in force if it was saved for
 * `baseUrl` (another base URL needs the key typed again), else none.
 */
function keyToTest(
  request: { apiKey?: string },
  snap: Snapshot,
  baseUrl: string
): string | undefined {
  if (request.apiKey || !snap.apiKey) return request.apiKey;
  if (snap.apiKey.baseUrl !== baseUrl) {
    throw validationError([
      { path: ['apiKey'], message: retypeKeyMessage(snap.apiKey.baseUrl, `test ${baseUrl}`) },
    ]);
  }
  return snap.apiKey.value;
}

/** The values a connection test or an account check is made with. */
export interface ConnectionRequest {
  apiKey?: string;
  apiVersion?: ApiVersion;
  baseUrl?: string;
}

/**
 * A client for the values `request` names over those in force, or null when there is no key.
 * The stored (or configured) key is only used with the base URL it was saved with, and a key
 * from config/plugins.ts locks both; `timeoutMs` caps the settings' timeout.
 */
export async function connectionFor(
  { files, snapshots }: { files: FileSettings; snapshots: Snapshots },
  request: ConnectionRequest,
  maxTimeoutMs: number
): Promise<{ client: IflychatClient; timeoutMs: number; snap: Snapshot } | null> {
  const snap = await snapshots.current();
  const locked = files.locked();
  const inForce = snap.settings.baseUrl;
  const baseUrl = request.baseUrl ?? inForce;
  const problems: BindingProblem[] = [];
  if (locked.keys.includes('apiKey') && request.apiKey) {
    problems.push({ path: ['apiKey'], message: LOCKED_MESSAGE });
  }
  if (locked.keys.includes('baseUrl') && baseUrl !== inForce) {
    problems.push({ path: ['baseUrl'], message: LOCKED_MESSAGE });
  }
  if (problems.length > 0) throw validationError(problems);

  const apiKey = keyToTest(request, snap, baseUrl);
  if (!apiKey) return null;
  const timeoutMs = Math.min(snap.settings.timeoutMs, maxTimeoutMs);
  const client = createIflychatClient({
    apiKey,
    apiVersion: request.apiVersion ?? snap.settings.apiVersion,
    baseUrl,
    timeoutMs,
    ...transport(snap),
  });
  return { client, timeoutMs, snap };
}

/**
 * Tests the connection with the values `input` names over those in force (see
 * {@link connectionFor}). The answer never holds what the remote server said or a socket error.
 */
export async function testConnection(
  { strapi, files, snapshots }: { strapi: Core.Strapi; files: FileSettings; snapshots: Snapshots },
  input: unknown
): Promise<Outcome> {
  const request = parseOr400(testConnectionSchema, input);
  const connection = await connectionFor({ files, snapshots }, request, 15_000);
  if (!connection) {
    return {
      outcome: 'no-key',
      message: 'No API key is set: enter one to test the connection.',
    };
  }
  const { client, timeoutMs } = connection;
  try {
    const rooms = await client.listRooms();
    return {
      outcome: 'ok',
      message: `Connected: iFlyChat answered with ${rooms.length} room(s).`,
      rooms: rooms.length,
    };
  } catch (error) {
    if (!isIflychatError(error)) {
      strapi.log.warn(`[iflychat] the connection test failed: ${String(error)}`);
    }
    return describeTestFailure(error, timeoutMs);
  }
}

/** The outcome of a failed connection test, in the plugin's own words. */
export function describeTestFailure(error: unknown, timeoutMs: number): Outcome {
  if (error instanceof IflychatApiError && !error.invalidAnswer) {
    if (error.status === 401 || error.status === 403) {
      return {
        outcome: 'invalid-key',
        message: `iFlyChat refused the API key (HTTP ${error.status}).`,
      };
    }
    return {
      outcome: 'error',
      message: `The server answered HTTP ${error.status}, not what iFlyChat answers: check the base URL and the API version.`,
    };
  }
  if (error instanceof IflychatApiError) {
    return {
      outcome: 'error',
      message:
        'The server answered, but not with what iFlyChat answers: check the base URL and the API version.',
    };
  }
  if (isIflychatError(error)) {
    return {
      outcome: 'unreachable',
      message: `No answer from this base URL within ${timeoutMs} ms: check the address and this server's network access.`,
    };
  }
  return { outcome: 'error', message: 'The test failed unexpectedly: see the server log.' };
}
