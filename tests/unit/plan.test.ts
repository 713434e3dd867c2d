/**
 * The reconciler's decisions, cell by cell: every kind of desired room against every kind of
 * recorded state (`plan`), and every present against what it asks for (`desiredRoom`).
 */
import { bindingSchema, type Binding } from '../../contracts/config';
import type { RoomParams } from '../../server/src/iflychat/client';
import {
  desiredRoom,
  plan,
  shapeFits,
  type Desired,
  type Present,
  type Recorded,
  type Step,
} from '../../server/src/sync/plan';

const ROOM: RoomParams = { name: 'Hikers', role: '2', private: false, moderate: false };
const OTHER: RoomParams = { ...ROOM, name: 'Climbers' };

const desired: Record<string, Desired> = {
  room: { kind: 'room', params: ROOM },
  carried: { kind: 'room', params: ROOM, carried: '77' },
  invalid: { kind: 'invalid', reason: 'the role field "audience" is empty' },
  none: { kind: 'none' },
  leave: { kind: 'leave', why: 'unpublished' },
  forget: { kind: 'forget' },
};

const nothing: Recorded = { roomId: null, sent: null, intent: null, retireRoomId: null };
const recorded: Record<string, Recorded> = {
  'no room': nothing,
  'room, same params': { ...nothing, roomId: '5', sent: ROOM },
  'room, other params': { ...nothing, roomId: '5', sent: OTHER },
  'room, params unknown': { ...nothing, roomId: '5', sent: null },
  intent: { ...nothing, intent: { params: ROOM } },
  'room and intent': { ...nothing, roomId: '5', sent: ROOM, intent: { params: OTHER } },
  'room to retire': { ...nothing, retireRoomId: '4' },
};

const find = (params: RoomParams): Step => ({ kind: 'find', intent: { params } });
const invalid: Step = { kind: 'fail', reason: 'the role field "audience" is empty' };
const kept: Step = {
  kind: 'fail',
  reason: 'the role field "audience" is empty; the room was kept',
};
const retire: Step = { kind: 'retire', roomId: '4' };

/** [recorded, desired, step]: the whole table. */
const table: Array<[string, string, Step]> = [
  ['no room', 'room', { kind: 'create', params: ROOM }],
  ['no room', 'carried', { kind: 'adopt', roomId: '77', params: ROOM }],
  ['no room', 'invalid', invalid],
  ['no room', 'none', { kind: 'drop' }],
  ['no room', 'leave', { kind: 'done' }],
  ['no room', 'forget', { kind: 'drop' }],
  ['room, same params', 'room', { kind: 'done' }],
  ['room, same params', 'carried', { kind: 'done' }],
  ['room, same params', 'invalid', invalid],
  ['room, same params', 'none', { kind: 'delete', roomId: '5' }],
  ['room, same params', 'leave', { kind: 'done' }],
  ['room, same params', 'forget', { kind: 'drop' }],
  ['room, other params', 'room', { kind: 'edit', roomId: '5', params: ROOM }],
  ['room, other params', 'carried', { kind: 'edit', roomId: '5', params: ROOM }],
  ['room, other params', 'invalid', invalid],
  ['room, other params', 'none', { kind: 'delete', roomId: '5' }],
  ['room, other params', 'leave', { kind: 'done' }],
  ['room, other params', 'forget', { kind: 'drop' }],
  ['room, params unknown', 'room', { kind: 'edit', roomId: '5', params: ROOM }],
  ['room, params unknown', 'carried', { kind: 'edit', roomId: '5', params: ROOM }],
  ['room, params unknown', 'invalid', invalid],
  ['room, params unknown', 'none', { kind: 'delete', roomId: '5' }],
  ['room, params unknown', 'leave', { kind: 'check', roomId: '5' }],
  ['room, params unknown', 'forget', { kind: 'drop' }],
  ...Object.keys(desired).map((d): [string, string, Step] => ['intent', d, find(ROOM)]),
  ...Object.keys(desired).map((d): [string, string, Step] => ['room and intent', d, find(OTHER)]),
  ['room to retire', 'room', retire],
  ['room to retire', 'carried', retire],
  ['room to retire', 'none', retire],
  ['room to retire', 'invalid', kept],
  ['room to retire', 'leave', { kind: 'done' }],
  ['room to retire', 'forget', retire],
];

describe('plan: the smallest step from what is recorded to what should be', () => {
  it('the table covers every cell once', () => {
    const cells = table.map(([r, d]) => `${r} × ${d}`);
    expect(new Set(cells).size).toBe(cells.length);
    expect(cells).toHaveLength(Object.keys(recorded).length * Object.keys(desired).length);
  });

  it.each(table)('recorded %s, desired %s', (r, d, step) => {
    expect(plan(desired[d], recorded[r])).toEqual(step);
  });
});

describe('desiredRoom: what the room should be, from the present', () => {
  const binding = (overrides: Partial<Binding> = {}): Binding =>
    bindingSchema.parse({
      roomName: '{name}',
      roomIdField: 'roomId',
      roomRole: { field: 'audience' },
      ...overrides,
    });
  const entry = { documentId: 'd1', id: 3, name: 'Hikers', audience: 'authenticated' };
  const present = (overrides: Partial<Present> = {}): Present => ({
    binding: binding(),
    shapeFits: true,
    unlinked: false,
    published: entry,
    exists: true,
    roleMap: { authenticated: '2' },
    carried: null,
    ...overrides,
  });

  it('a published entry asks for its room, with the carried id to adopt', () => {
    expect(desiredRoom(present())).toEqual({ kind: 'room', params: ROOM, carried: null });
    expect(desiredRoom(present({ carried: '9' }))).toMatchObject({ kind: 'room', carried: '9' });
  });

  it('an entry whose chat field is false is treated as unpublished; empty counts as on', () => {
    const chat = (onUnpublish: 'keep' | 'delete') =>
      binding({ enabled: { field: 'chat' }, onUnpublish });
    const off = { ...entry, chat: false };
    expect(desiredRoom(present({ binding: chat('keep'), published: off }))).toEqual({
      kind: 'leave',
      why: 'unpublished',
    });
    expect(desiredRoom(present({ binding: chat('delete'), published: off }))).toEqual({
      kind: 'none',
    });
    for (const value of [true, null, undefined]) {
      expect(
        desiredRoom(present({ binding: chat('delete'), published: { ...entry, chat: value } }))
      ).toMatchObject({ kind: 'room' });
    }
    expect(desiredRoom(present({ binding: binding({ enabled: true }) }))).toMatchObject({
      kind: 'room',
    });
  });

  it('an entry that gives no room is invalid, with the reason', () => {
    const empty = desiredRoom(present({ published: { ...entry, audience: '' } }));
    expect(empty).toMatchObject({ kind: 'invalid' });
    const unmapped = desiredRoom(present({ roleMap: {} }));
    expect(unmapped).toMatchObject({ kind: 'invalid' });
  });

  it('unbound, unlinked, or a row of the old shape', () => {
    expect(desiredRoom(present({ binding: undefined }))).toEqual({ kind: 'leave', why: 'unbound' });
    expect(desiredRoom(present({ unlinked: true }))).toEqual({ kind: 'leave', why: 'unlinked' });
    expect(desiredRoom(present({ shapeFits: false }))).toEqual({ kind: 'none' });
  });

  it.each([
    ['keep', true, { kind: 'leave', why: 'unpublished' }],
    ['delete', true, { kind: 'none' }],
  ] as const)('unpublished under onUnpublish %s', (policy, exists, want) => {
    const p = present({ binding: binding({ onUnpublish: policy }), published: null, exists });
    expect(desiredRoom(p)).toEqual(want);
  });

  it.each([
    ['keep', { kind: 'forget' }],
    ['delete', { kind: 'none' }],
  ] as const)('deleted under onDelete %s', (policy, want) => {
    const p = present({ binding: binding({ onDelete: policy }), published: null, exists: false });
    expect(desiredRoom(p)).toEqual(want);
  });

  it('a row fits one room per document (`*`) or one per locale', () => {
    expect(shapeFits(false, '*')).toBe(true);
    expect(shapeFits(false, 'fr')).toBe(false);
    expect(shapeFits(true, 'fr')).toBe(true);
    expect(shapeFits(true, '*')).toBe(false);
  });
});
