/**
 * The rules of the Content Manager's room panel: which actions it offers, when it keeps polling,
 * how it reads a ValidationError.
 */
import {
  availableActions,
  fieldErrors,
  isActive,
  normalize,
  pollInterval,
  statusQuery,
  toneOf,
} from '../../admin/src/components/RoomPanel/state';
import type { RoomJobView, RoomStatus } from '../../contracts/rooms';

function job(overrides: Partial<RoomJobView> = {}): RoomJobView {
  return {
    operation: 'sync',
    status: 'created',
    roomId: '12',
    roomName: 'A room',
    attempts: 1,
    lastError: null,
    nextAttemptAt: null,
    syncedAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

function room(link: RoomJobView | null, published = true): RoomStatus {
  return {
    uid: 'api::community.community',
    documentId: 'abc',
    bound: true,
    roomPer: 'document',
    locale: null,
    published,
    chatOff: false,
    link,
    members: null,
  };
}

describe('availableActions', () => {
  it('offers to retry a failed or waiting job, and to link when there is no room', () => {
    expect(availableActions(room(job({ status: 'failed', roomId: null })))).toEqual([
      'retry',
      'link',
    ]);
    expect(availableActions(room(job({ status: 'retrying', roomId: null })))).toEqual([
      'retry',
      'link',
    ]);
  });

  it('offers to retry a published entry that has no room job at all', () => {
    expect(availableActions(room(null, true))).toEqual(['retry', 'link']);
    expect(availableActions(room(null, false))).toEqual(['link']);
  });

  it('offers recreate (published only) and unlink for an entry with a room', () => {
    expect(availableActions(room(job()))).toEqual(['recreate', 'unlink']);
    expect(availableActions(room(job(), false))).toEqual(['unlink']);
    expect(availableActions(room(job({ status: 'failed', operation: 'delete' }), false))).toEqual([
      'retry',
      'unlink',
    ]);
  });

  it('offers no way to a room for a published entry whose chat is off', () => {
    const off = (link: RoomJobView | null) => ({ ...room(link), chatOff: true });
    expect(availableActions(off(null))).toEqual([]);
    expect(availableActions(off(job()))).toEqual(['unlink']);
  });

  it('does not offer to link while a job is running', () => {
    expect(availableActions(room(job({ status: 'pending', roomId: null })))).toEqual([]);
    expect(availableActions(room(job({ status: 'processing', roomId: null })))).toEqual([]);
  });
});

describe('isActive', () => {
  it('is true while a job is on its way, false once it ended or when there is none', () => {
    expect(isActive(job({ status: 'pending' }))).toBe(true);
    expect(isActive(job({ status: 'processing' }))).toBe(true);
    expect(isActive(job({ status: 'retrying' }))).toBe(true);
    expect(isActive(job({ status: 'created' }))).toBe(false);
    expect(isActive(job({ status: 'failed' }))).toBe(false);
    expect(isActive(null)).toBe(false);
  });
});

it('gives each status a tone, with neutral for no job', () => {
  expect(toneOf(job({ status: 'failed' }))).toBe('danger');
  expect(toneOf(job({ status: 'retrying' }))).toBe('warning');
  expect(toneOf(job({ status: 'created' }))).toBe('success');
  expect(toneOf(null)).toBe('neutral');
});

it('builds the status query, with the locale only when there is one', () => {
  expect(statusQuery({ uid: 'api::a.a', documentId: 'd 1', locale: null })).toBe(
    'uid=api%3A%3Aa.a&documentId=d+1'
  );
  expect(statusQuery({ uid: 'api::a.a', documentId: 'd', locale: 'fr' })).toBe(
    'uid=api%3A%3Aa.a&documentId=d&locale=fr'
  );
});

it('reads the field errors of a ValidationError, first message per path', () => {
  expect(
    fieldErrors({
      errors: [
        { path: ['roomId'], message: 'must be an iFlyChat room id such as 1042' },
        { path: ['roomId'], message: 'second' },
        { path: 'bad', message: 'ignored' },
      ],
    })
  ).toEqual({ roomId: 'must be an iFlyChat room id such as 1042' });
  expect(fieldErrors(undefined)).toEqual({});
});

it('shows an unlinked room as no room at all', () => {
  expect(normalize(room(job({ status: 'unlinked', roomId: null }))).link).toBeNull();
  const created = room(job());
  expect(normalize(created)).toBe(created);
});

describe('pollInterval', () => {
  const now = Date.parse('2026-01-01T00:00:00.000Z');
  const at = (ms: number) => new Date(now + ms).toISOString();

  it('looks every two seconds while a job waits or runs', () => {
    expect(pollInterval(room(job({ status: 'pending' })), now)).toBe(2_000);
    expect(pollInterval(room(job({ status: 'processing' })), now)).toBe(2_000);
  });

  it('looks just after the next attempt of a retrying job, within bounds', () => {
    const retrying = (ms: number) => room(job({ status: 'retrying', nextAttemptAt: at(ms) }));
    expect(pollInterval(retrying(10_000), now)).toBe(10_500);
    expect(pollInterval(retrying(500), now)).toBe(2_000);
    expect(pollInterval(retrying(600_000), now)).toBe(30_000);
  });
});
