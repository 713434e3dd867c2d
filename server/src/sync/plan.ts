/**
 * The reconciler's one decision: what should an entry's room be now (`desiredRoom`), and what is
 * the smallest step from what is recorded to there (`plan`). Pure functions; no other file
 * decides what call to make. The worker (`reconcile.ts`) applies a step, records its result, and
 * plans again until the step is `done`, `fail` or `drop`.
 *
 * What the room should be, from the present (the entry now, its binding, the row's own marks):
 *
 * | the present                                        | desired                          |
 * |----------------------------------------------------|----------------------------------|
 * | content type not bound                             | leave (whatever is, stays)       |
 * | row of the wrong shape (`roomPer` changed)         | none (room deleted, row dropped) |
 * | unlinked by an editor, not published since         | leave                            |
 * | published, the entry gives a room                  | room with these params           |
 * | published, the entry gives no room (empty role)    | invalid (fails with the reason)  |
 * | unpublished, or its chat is off (`enabled` field), | leave / none                     |
 * | `onUnpublish: keep` / `delete`                     |                                  |
 * | deleted, `onDelete: keep` / `delete`               | forget (row dropped) / none      |
 *
 * The step, from what is recorded (checked top to bottom, first match wins):
 *
 * | recorded                                | desired      | step                                |
 * |-----------------------------------------|--------------|-------------------------------------|
 * | a create's intent (its answer was lost) | any          | find: match the intent in rooms/list|
 * | a room to retire (Recreate)             | room, none,  | retire: delete that room            |
 * |                                         | forget       |                                     |
 * | no room, the entry carries a room id    | room         | adopt it (adoptExistingRoomIds)     |
 * | no room                                 | room         | create (intent recorded first)      |
 * | a room, params differ or unknown        | room         | edit (params recorded unknown first)|
 * | a room, same params                     | room         | done                                |
 * | any                                     | invalid      | fail                                |
 * | a room                                  | none         | delete (params recorded unknown     |
 * |                                         |              | first; an edit of a room found gone |
 * |                                         |              | records no room, then creates)      |
 * | no room                                 | none         | drop the row                        |
 * | a room, params unknown                  | leave        | check: look it up in rooms/list     |
 * | any other                               | leave        | done                                |
 * | any                                     | forget       | drop the row (the room stays)       |
 */
import type { Binding } from '../../../contracts/config';
import type { RoomParams } from '../iflychat/client';
import { ALL_LOCALES } from './room-links-keys';
import { chatEnabled, resolveRoomParams, type Entry } from '../rooms/params';

export type Desired =
  | { kind: 'room'; params: RoomParams; carried?: string | null }
  | { kind: 'invalid'; reason: string }
  | { kind: 'none' }
  | { kind: 'leave'; why: 'unbound' | 'unlinked' | 'unpublished' }
  | { kind: 'forget' };

/** A create that was sent (or about to be): what was asked, so a lost answer can be matched. */
export interface Intent {
  /** The params sent; null for a create recorded by 0.1, whose params were not kept. */
  params: RoomParams | null;
}

export interface Recorded {
  roomId: string | null;
  /** The room as last sent to (or read from) iFlyChat; null when not known. */
  sent: RoomParams | null;
  intent: Intent | null;
  /** A room this row must delete before anything else (the old room of a Recreate). */
  retireRoomId: string | null;
}

export type Step =
  | { kind: 'find'; intent: Intent }
  | { kind: 'retire'; roomId: string }
  | { kind: 'adopt'; roomId: string; params: RoomParams }
  | { kind: 'create'; params: RoomParams }
  | { kind: 'edit'; roomId: string; params: RoomParams }
  | { kind: 'delete'; roomId: string }
  | { kind: 'check'; roomId: string }
  | { kind: 'fail'; reason: string }
  | { kind: 'drop' }
  | { kind: 'done' };

export function sameParams(a: RoomParams | null, b: RoomParams | null): boolean {
  if (!a || !b) return false;
  return (
    a.name === b.name && a.role === b.role && a.private === b.private && a.moderate === b.moderate
  );
}

export function plan(desired: Desired, recorded: Recorded): Step {
  if (recorded.intent) return { kind: 'find', intent: recorded.intent };
  // A room to retire goes once the entry can have a new one, or must have none, or is gone.
  const retireNow = desired.kind === 'room' || desired.kind === 'none' || desired.kind === 'forget';
  if (recorded.retireRoomId && retireNow) {
    return { kind: 'retire', roomId: recorded.retireRoomId };
  }
  const { roomId } = recorded;
  switch (desired.kind) {
    case 'room':
      if (!roomId && desired.carried) {
        return { kind: 'adopt', roomId: desired.carried, params: desired.params };
      }
      if (!roomId) return { kind: 'create', params: desired.params };
      if (!sameParams(recorded.sent, desired.params)) {
        return { kind: 'edit', roomId, params: desired.params };
      }
      return { kind: 'done' };
    case 'invalid':
      return {
        kind: 'fail',
        reason: recorded.retireRoomId ? `${desired.reason}; the room was kept` : desired.reason,
      };
    case 'none':
      return roomId ? { kind: 'delete', roomId } : { kind: 'drop' };
    case 'leave':
      // A room whose last call's answer was lost may be gone: looked up before it is kept.
      return roomId && !recorded.sent ? { kind: 'check', roomId } : { kind: 'done' };
    case 'forget':
      return { kind: 'drop' };
  }
}

/** What the worker read of the present for one row. */
export interface Present {
  binding: Binding | undefined;
  /** The row's locale shape fits the binding (`*` for one room per document). */
  shapeFits: boolean;
  unlinked: boolean;
  /** The published entry the room is named after; null when none is published. */
  published: Entry | null;
  /** Whether any version of the entry (draft or published) exists. */
  exists: boolean;
  roleMap: Record<string, string>;
  /** A room id the entry carried on its first publish, to adopt (adoptExistingRoomIds). */
  carried: string | null;
}

export function desiredRoom(present: Present): Desired {
  const { binding } = present;
  if (!binding) return { kind: 'leave', why: 'unbound' };
  if (!present.shapeFits) return { kind: 'none' };
  if (present.unlinked) return { kind: 'leave', why: 'unlinked' };
  // An entry whose chat is off is treated as unpublished (`onUnpublish` applies).
  if (present.published && chatEnabled(binding, present.published)) {
    const resolved = resolveRoomParams(binding, present.published, present.roleMap);
    return resolved.ok
      ? { kind: 'room', params: resolved.params, carried: present.carried }
      : { kind: 'invalid', reason: resolved.reason };
  }
  if (present.exists) {
    return binding.onUnpublish === 'delete'
      ? { kind: 'none' }
      : { kind: 'leave', why: 'unpublished' };
  }
  return binding.onDelete === 'delete' ? { kind: 'none' } : { kind: 'forget' };
}

/** Whether a row's locale fits the binding: `*` for one room per document, a locale otherwise. */
export function shapeFits(perLocale: boolean, entryLocale: string): boolean {
  return perLocale ? entryLocale !== ALL_LOCALES : entryLocale === ALL_LOCALES;
}
