/**
 * strapi-plugin-iflychat/react: `<IflychatRoom roomId={community.roomId} strapiUrl=… jwt=… />`.
 * Loads the widget with the user's token (once per page) and embeds the room.
 */
import * as React from 'react';

import {
  embedRoom,
  loadIflychat,
  IflychatKitError,
  type EmbedOptions,
  type IflychatSession,
  type KitElement,
  type LoadOptions,
} from './client.js';

export interface IflychatRoomProps extends EmbedOptions, Omit<LoadOptions, 'onRenewError'> {
  /** The entry's room id; null while the room is not made yet (nothing is rendered). */
  roomId: number | string | null;
  className?: string;
  /** Called when the token or the widget cannot be loaded, or renewing fails. */
  onError?: (error: IflychatKitError) => void;
  /**
   * Change it (a counter, say) after the user joined or left a members-only room: the component
   * gets a new token (`session.refresh()`) and opens the room again with it.
   */
  refreshKey?: string | number;
}

const toKitError = (error: unknown) =>
  error instanceof IflychatKitError ? error : new IflychatKitError('network', 0, String(error));

export function IflychatRoom({
  roomId,
  strapiUrl,
  jwt,
  fetch,
  scriptUrl,
  height,
  width,
  className,
  onError,
  refreshKey,
}: IflychatRoomProps) {
  const ref = React.useRef<HTMLDivElement & KitElement>(null);
  const errorRef = React.useRef(onError);
  errorRef.current = onError;
  const sessionRef = React.useRef<IflychatSession | undefined>(undefined);
  const firstKey = React.useRef(refreshKey);

  React.useEffect(() => {
    let session: IflychatSession | undefined;
    let cancelled = false;
    loadIflychat({ strapiUrl, jwt, fetch, scriptUrl, onRenewError: (e) => errorRef.current?.(e) })
      .then((loaded) => {
        session = loaded;
        sessionRef.current = loaded;
        if (cancelled) loaded.stop();
        else if (ref.current) embedRoom(ref.current, roomId, { height, width });
      })
      .catch((error: unknown) => {
        if (!cancelled) errorRef.current?.(toKitError(error));
      });
    return () => {
      cancelled = true;
      session?.stop();
    };
  }, [strapiUrl, jwt, fetch, scriptUrl, roomId, height, width]);

  React.useEffect(() => {
    const session = sessionRef.current;
    if (refreshKey === firstKey.current || !session) return;
    firstKey.current = refreshKey;
    let cancelled = false;
    session
      .refresh()
      .then(() => {
        if (!cancelled && ref.current) embedRoom(ref.current, roomId, { height, width });
      })
      .catch((error: unknown) => {
        if (!cancelled) errorRef.current?.(toKitError(error));
      });
    return () => {
      cancelled = true;
    };
    // Only a new refreshKey asks for a new token; the effect above handles the rest.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [refreshKey]);

  return <div ref={ref} className={className} />;
}
