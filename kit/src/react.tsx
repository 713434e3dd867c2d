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
}: IflychatRoomProps) {
  const ref = React.useRef<HTMLDivElement & KitElement>(null);
  const errorRef = React.useRef(onError);
  errorRef.current = onError;

  React.useEffect(() => {
    let session: IflychatSession | undefined;
    let cancelled = false;
    loadIflychat({ strapiUrl, jwt, fetch, scriptUrl, onRenewError: (e) => errorRef.current?.(e) })
      .then((loaded) => {
        session = loaded;
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

  return <div ref={ref} className={className} />;
}
