/**
 * "Check my account": every iFlyChat call the settings need, made once with the values of the
 * settings page (or those in force), leaving nothing behind: a throwaway room is created, edited,
 * found in `rooms/list` and deleted; a token is issued to a throwaway user and deleted. Each call
 * gets one line in the plugin's own words; the answer never holds what iFlyChat said.
 *
 * A 401/403 means "refused by the plan" when iFlyChat took the same key for another call, and
 * "invalid key" when it refused it for every call: iFlyChat answers both with the same status.
 */
import { randomBytes } from 'node:crypto';

import type { Core } from '@strapi/strapi';

import {
  accountCheckSchema,
  type AccountCheckCall,
  type AccountCheckLine,
  type AccountCheckResult,
} from '../../../contracts/settings';
import { CATALOGUE, callPath } from '../iflychat/catalogue';
import type { IflychatClient } from '../iflychat/client';
import { answerWithout, IflychatApiError, isIflychatError } from '../iflychat/errors';
import { deleteToken, generateToken } from '../iflychat/tokens';
import { parseOr400 } from '../utils/validation';
import type { FileSettings } from './file';
import type { Snapshots } from './snapshot';
import { connectionFor } from './test-connection';

/** Each call of the check ends after the settings' timeout, and never after more than this. */
export const CHECK_CALL_TIMEOUT_MS = 10_000;

/** Whether an error is a refusal of the key or of the call (iFlyChat does not say which). */
type Refused = 'refused';
type Draft = Omit<AccountCheckLine, 'outcome'> & {
  outcome: AccountCheckLine['outcome'] | Refused;
};

const WORDS: Record<Exclude<AccountCheckLine['outcome'], 'skipped'>, string> = {
  works: 'works',
  plan: 'refused by your iFlyChat plan (the key works for other calls)',
  'invalid-key': 'iFlyChat refused the API key',
  'not-found': 'iFlyChat does not know this path: the API may have changed',
  unreachable: 'no answer in time: check the base URL and this server’s network access',
  'not-iflychat': 'the answer is not what iFlyChat answers: check the base URL and API version',
};

/** The line of a failed call, in the plugin's own words (the status, never the body). */
export function failedLine(call: AccountCheckCall, path: string, error: unknown): Draft {
  if (error instanceof IflychatApiError && !error.invalidAnswer) {
    const { status } = error;
    if (status === 401 || status === 403)
      return { call, path, status, outcome: 'refused', message: '' };
    if (status === 404) return { call, path, status, outcome: 'not-found', message: '' };
    if (status === 429 || status >= 500) {
      return {
        call,
        path,
        status,
        outcome: 'unreachable',
        message: `iFlyChat answered HTTP ${status}: it cannot take the call now; try again later.`,
      };
    }
    return { call, path, status, outcome: 'not-iflychat', message: '' };
  }
  if (error instanceof IflychatApiError)
    return { call, path, outcome: 'not-iflychat', message: '' };
  if (isIflychatError(error)) return { call, path, outcome: 'unreachable', message: '' };
  return { call, path, outcome: 'not-iflychat', message: '' };
}

/** Resolves refusals (plan or key) and writes each line's sentence. */
export function finishLines(drafts: Draft[]): AccountCheckLine[] {
  const keyTaken = drafts.some((line) => line.outcome === 'works');
  return drafts.map((line) => {
    const outcome = line.outcome === 'refused' ? (keyTaken ? 'plan' : 'invalid-key') : line.outcome;
    const http = line.status !== undefined ? ` (HTTP ${line.status})` : '';
    const message =
      line.message || (outcome === 'skipped' ? 'not tried.' : `${WORDS[outcome]}${http}.`);
    return { ...line, outcome, message };
  });
}

/** A short random suffix, so that two checks (or a leftover) never share a name. */
function nonce(): string {
  return randomBytes(6).toString('hex');
}

interface Steps {
  client: IflychatClient;
  appId: string | undefined;
  log: Core.Strapi['log'];
}

/** Runs one call; its line, and its value when it worked. */
async function step<T>(
  lines: Draft[],
  call: AccountCheckCall,
  path: string,
  run: () => Promise<T>
): Promise<T | undefined> {
  try {
    const value = await run();
    lines.push({ call, path, outcome: 'works', message: '' });
    return value;
  } catch (error) {
    lines.push(failedLine(call, path, error));
    return undefined;
  }
}

function skip(lines: Draft[], call: AccountCheckCall, path: string, message: string): void {
  lines.push({ call, path, outcome: 'skipped', message });
}

/** A call that got no answer at all (not an HTTP error): later calls would wait as long. */
function noAnswer(lines: Draft[]): boolean {
  return lines.some((line) => line.outcome === 'unreachable' && line.status === undefined);
}

/**
 * The room calls: create, edit, find in the list, delete. A create that got no answer may still
 * have made the room: the list is searched for its name so that it is deleted too. Answers the
 * id of a room left behind.
 */
async function checkRooms({ client, log }: Steps, lines: Draft[]): Promise<string | null> {
  const v = client.apiVersion;
  const id = nonce();
  // A role no user has: nobody sees the room in the moments it exists.
  const room = {
    name: `Account check ${id}`,
    role: `check-${id}`,
    private: false,
    moderate: false,
  };
  const edited = { ...room, name: `${room.name} (edited)`, moderate: true };
  const template = (call: 'room.edit' | 'room.delete') => CATALOGUE[call].paths[v];
  let roomId = (
    await step(lines, 'room.create', callPath('room.create', v), () => client.createRoom(room))
  )?.roomId;
  if (roomId) {
    const path = callPath('room.edit', v, { roomId });
    await step(lines, 'room.edit', path, () => client.editRoom(roomId!, edited));
  } else skip(lines, 'room.edit', template('room.edit'), NO_ROOM);

  await step(lines, 'rooms.list', callPath('rooms.list', v), async () => {
    const rooms = await client.listRooms();
    const found = roomId
      ? rooms.find((listed) => listed.roomId === roomId)
      : rooms.find((listed) => listed.name === room.name || listed.name === edited.name);
    if (!roomId) roomId = found?.roomId;
    else if (!found) throw answerWithout(callPath('rooms.list', v), 'the room just created');
  });

  if (!roomId) {
    skip(lines, 'room.delete', template('room.delete'), NO_ROOM);
    return null;
  }
  const path = callPath('room.delete', v, { roomId });
  const deleted = await step(lines, 'room.delete', path, async () => {
    await client.deleteRoom(roomId!);
    return true;
  });
  if (deleted) return null;
  log.warn(
    `[iflychat] the account check could not delete its room ${roomId}: delete it in iFlyChat`
  );
  return roomId;
}

const NO_ROOM = 'not tried: no room was created.';

/** The token calls: a token for a throwaway user (the least role), then deleted. */
async function checkTokens({ client, appId }: Steps, lines: Draft[]): Promise<void> {
  const generatePath = callPath('token.generate', client.apiVersion);
  const deletePath = CATALOGUE['token.delete'].paths[client.apiVersion];
  const why = noAnswer(lines)
    ? 'not tried: iFlyChat did not answer the room calls.'
    : !appId
      ? 'not tried: no app id is set (chat tokens need one).'
      : '';
  if (why || !appId) {
    skip(lines, 'token.generate', generatePath, why);
    skip(lines, 'token.delete', deletePath, why);
    return;
  }
  const issued = await step(lines, 'token.generate', generatePath, () =>
    generateToken(client, {
      appId,
      userId: `account-check-${nonce()}`,
      userName: 'Account check',
      chatRole: 'viewer',
      userRoles: {},
    })
  );
  if (!issued) {
    skip(lines, 'token.delete', deletePath, 'not tried: no token was issued.');
    return;
  }
  await step(lines, 'token.delete', deletePath, () => deleteToken(client, issued.token));
}

/** The sentence for the whole check. */
function summary(lines: AccountCheckLine[], leftoverRoomId: string | null): string {
  const failed = lines.filter((line) => line.outcome !== 'works' && line.outcome !== 'skipped');
  const leftover = leftoverRoomId
    ? ` The throwaway room ${leftoverRoomId} could not be deleted: delete it in iFlyChat.`
    : '';
  if (failed.length === 0) return `Every call the settings need works.${leftover}`;
  return `${failed.length} of ${lines.length} call(s) do not work.${leftover}`;
}

/**
 * Runs the check with the values `input` names over those in force (the same rules as Test
 * connection: the stored key only goes to the base URL it was saved with). Each call ends after
 * the settings' timeout, at most {@link CHECK_CALL_TIMEOUT_MS}, and reads a bounded answer.
 */
export async function checkAccount(
  { strapi, files, snapshots }: { strapi: Core.Strapi; files: FileSettings; snapshots: Snapshots },
  input: unknown
): Promise<AccountCheckResult> {
  const request = parseOr400(accountCheckSchema, input ?? {});
  const connection = await connectionFor({ files, snapshots }, request, CHECK_CALL_TIMEOUT_MS);
  if (!connection) {
    return {
      ok: false,
      noKey: true,
      message: 'No API key is set: enter one to check the account.',
      lines: [],
      leftoverRoomId: null,
    };
  }
  const steps: Steps = {
    client: connection.client,
    appId: request.appId || connection.snap.appId?.value,
    log: strapi.log,
  };
  const drafts: Draft[] = [];
  const leftoverRoomId = await checkRooms(steps, drafts);
  await checkTokens(steps, drafts);
  const lines = finishLines(drafts);
  const ok = lines.every((line) => line.outcome === 'works' || line.outcome === 'skipped');
  return { ok, noKey: false, message: summary(lines, leftoverRoomId), lines, leftoverRoomId };
}
