/**
 * What the room panel shows and offers for a given room status, as plain functions of it (no
 * React), so that the rules can be read in one place.
 */
import type { LinkStatus, RoomJobView, RoomStatus, RoomTarget } from '../../../../contracts/rooms';

/** Statuses of a job that is still on its way: the panel keeps asking for news. */
const ACTIVE: ReadonlySet<LinkStatus> = new Set(['pending', 'processing', 'retrying']);

export function isActive(link: RoomJobView | null): boolean {
  return link !== null && ACTIVE.has(link.status);
}

/** How often the panel asks for news while a room job is on its way. */
export const POLL_MS = 2_000;
/** The longest wait between two looks at a job that is retrying later. */
export const MAX_POLL_MS = 30_000;

/**
 * Milliseconds until the next look: every {@link POLL_MS} while a job is waiting or running;
 * for a job retrying later, just after its next attempt (at most {@link MAX_POLL_MS}).
 */
export function pollInterval(status: RoomStatus | null, now: number): number {
  const link = status?.link;
  const next =
    link?.status === 'retrying' && link.nextAttemptAt ? Date.parse(link.nextAttemptAt) : NaN;
  if (Number.isNaN(next)) return POLL_MS;
  return Math.min(MAX_POLL_MS, Math.max(POLL_MS, next - now + 500));
}

/** The status as the panel shows it: an unlinked room is no room at all. */
export function normalize(status: RoomStatus): RoomStatus {
  return status.link?.status === 'unlinked' ? { ...status, link: null } : status;
}

/** The query string of `GET /iflychat/rooms` for one entry (and locale). */
export function statusQuery(target: RoomTarget): string {
  const params = new URLSearchParams({ uid: target.uid, documentId: target.documentId });
  if (target.locale) params.set('locale', target.locale);
  return params.toString();
}

export type RoomAction = 'retry' | 'unlink' | 'link' | 'recreate';

/** The actions an editor with `rooms.manage` is offered, in the order they are shown. */
export function availableActions(status: RoomStatus): RoomAction[] {
  const { link } = status;
  const roomId = link?.roomId ?? null;
  const actions: RoomAction[] = [];
  // An entry whose chat is off has no room to make, as if unpublished.
  const mayHaveRoom = status.published && !status.chatOff;
  const failedOrWaiting = link !== null && (link.status === 'failed' || link.status === 'retrying');
  if (failedOrWaiting || (mayHaveRoom && link === null)) actions.push('retry');
  const busy = link !== null && (link.status === 'pending' || link.status === 'processing');
  if (roomId === null && !busy && !status.chatOff) actions.push('link');
  // A new room is only made for a published entry.
  if (roomId !== null && mayHaveRoom) actions.push('recreate');
  if (roomId !== null) actions.push('unlink');
  return actions;
}

/** A short word for the status, and the Badge variant that goes with it. */
export type Tone = 'neutral' | 'secondary' | 'success' | 'warning' | 'danger';

export function toneOf(link: RoomJobView | null): Tone {
  switch (link?.status) {
    case 'created':
      return 'success';
    case 'failed':
      return 'danger';
    case 'retrying':
      return 'warning';
    case 'pending':
    case 'processing':
      return 'secondary';
    default:
      return 'neutral';
  }
}

/** Field errors of a Strapi ValidationError (`error.details.errors[]`), keyed by their path. */
export function fieldErrors(details: unknown): Record<string, string> {
  const list = (details as { errors?: Array<{ path?: unknown; message?: unknown }> } | undefined)
    ?.errors;
  const errors: Record<string, string> = {};
  for (const error of Array.isArray(list) ? list : []) {
    if (Array.isArray(error.path) && typeof error.message === 'string') {
      errors[error.path.map(String).join('.')] ??= error.message;
    }
  }
  return errors;
}
