/** Checks shared by the delivery tests: every entry has exactly one room, and no room is orphaned. */
import type { Room } from '../emulator/server';

export interface EntryRoomRow {
  documentId: string;
  roomId: unknown;
  publishedAt: unknown;
}

export function expectExactlyOneRoomEach(
  documentIds: string[],
  rows: EntryRoomRow[],
  rooms: Room[]
): void {
  const roomIds = new Map<string, string>();
  for (const documentId of documentIds) {
    const own = rows.filter((row) => row.documentId === documentId);
    expect(own.length).toBeGreaterThanOrEqual(2); // draft and published
    const ids = new Set(
      own.map((row) => (row.roomId === null ? null : String(row.roomId as string | number)))
    );
    expect([documentId, [...ids]]).toEqual([documentId, [expect.any(String)]]);
    roomIds.set(documentId, [...ids][0] as string);
  }
  // One room per entry, no two entries sharing one, and no room that no entry points at.
  expect(new Set(roomIds.values()).size).toBe(documentIds.length);
  expect(rooms.map((room) => String(room.room_id)).sort()).toEqual([...roomIds.values()].sort());
}

/** A small deterministic random source, so a failing run can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
