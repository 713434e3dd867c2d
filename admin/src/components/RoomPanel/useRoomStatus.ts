import * as React from 'react';
import { isFetchError, useAPIErrorHandler, useFetchClient } from '@strapi/strapi/admin';

import type { GetRoomStatus, RoomStatus, RoomTarget } from '../../../../contracts/rooms';
import { isActive, normalize, pollInterval, statusQuery } from './state';

/**
 * After the entry changed (saved, published, unpublished), how long the panel keeps asking even
 * though no job is on its way yet: the server queues the job once the change is committed.
 */
const SETTLE_MS = 10_000;

export type RoomStatusState =
  /** Nothing to show: no entry yet, a type that is not bound, or no permission to read. */
  | { kind: 'hidden' }
  | { kind: 'loading' }
  | { kind: 'error'; message: string }
  | { kind: 'ready'; status: RoomStatus };

/**
 * The room status of one entry, kept fresh: fetched when the entry changes (`version`), and polled
 * every two seconds while its room job is pending or processing (around the next attempt while
 * it is retrying; see `pollInterval`).
 */
export function useRoomStatus(target: RoomTarget | null, version: string) {
  const { get } = useFetchClient();
  const { formatAPIError } = useAPIErrorHandler();
  const [state, setState] = React.useState<RoomStatusState>(
    target ? { kind: 'loading' } : { kind: 'hidden' }
  );
  const [settling, setSettling] = React.useState(false);

  const uid = target?.uid;
  const documentId = target?.documentId;
  const locale = target?.locale ?? null;
  const key = uid && documentId ? statusQuery({ uid, documentId, locale }) : null;

  // Answers to an older question (another entry, another locale) are dropped.
  const latestKey = React.useRef(key);
  latestKey.current = key;
  const latestTarget = React.useRef(target);
  latestTarget.current = target;
  const inFlight = React.useRef(false);
  // Bumped when an action answers: a look started before it would show an older status.
  const generation = React.useRef(0);

  const refresh = React.useCallback(async () => {
    if (!key) {
      setState({ kind: 'hidden' });
      return;
    }
    inFlight.current = true;
    const started = generation.current;
    try {
      const { data } = await get<GetRoomStatus.Response>(`/iflychat/rooms?${key}`);
      if (latestKey.current !== key || generation.current !== started) return;
      setState(
        data.data.bound ? { kind: 'ready', status: normalize(data.data) } : { kind: 'hidden' }
      );
    } catch (error) {
      if (latestKey.current !== key) return;
      if (error instanceof Error && error.name === 'AbortError') return;
      if (isFetchError(error) && error.status === 403) {
        setState({ kind: 'hidden' });
        return;
      }
      const message = isFetchError(error) ? formatAPIError(error) : String(error);
      // A failed look while polling keeps what is shown; the next look may succeed.
      setState((current) => (current.kind === 'ready' ? current : { kind: 'error', message }));
    } finally {
      inFlight.current = false;
    }
  }, [get, formatAPIError, key]);

  /** Shows the status an action answered with (if it is still about the entry shown). */
  const replace = React.useCallback((status: RoomStatus) => {
    const current = latestTarget.current;
    if (current?.uid !== status.uid || current.documentId !== status.documentId) return;
    generation.current += 1;
    setState(status.bound ? { kind: 'ready', status: normalize(status) } : { kind: 'hidden' });
  }, []);

  // A new entry, locale or version of the entry: look again, and keep looking for a while.
  React.useEffect(() => {
    if (!key) {
      setState({ kind: 'hidden' });
      return undefined;
    }
    void refresh();
    setSettling(true);
    const timer = setTimeout(() => setSettling(false), SETTLE_MS);
    return () => clearTimeout(timer);
  }, [key, version, refresh]);

  const status = state.kind === 'ready' ? state.status : null;
  const waitingForJob = Boolean(status && settling && status.published && !status.link);
  const poll = Boolean(status && (isActive(status.link) || waitingForJob));

  // A job retrying later is looked at again around its next attempt, not every two seconds.
  const interval = pollInterval(status, Date.now());

  React.useEffect(() => {
    if (!poll) return undefined;
    const timer = setInterval(() => {
      // One look at a time, even when the server is slower than the interval.
      if (!inFlight.current) void refresh();
    }, interval);
    return () => clearInterval(timer);
  }, [poll, refresh, interval]);

  return { state, refresh, replace, polling: poll };
}
