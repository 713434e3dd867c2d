/**
 * iflychat-strapi-kit/react: one chat session for the page, and its rooms.
 *
 *   <IflychatProvider strapiUrl="https://cms.example.com" jwt={jwt}>
 *     <IflychatRoom roomId={community.roomId} />
 *     <IflychatRoom roomId={other.roomId} />
 *     <IflychatPopup />
 *   </IflychatProvider>
 *
 * The provider's session asks for the user's token once, however many rooms it holds and however
 * often React mounts them (StrictMode included), and renews it while the provider is mounted.
 */
import * as React from 'react';

import {
  createChatSession,
  embedRoom,
  pageSession,
  showPopup,
  IflychatKitError,
  type EmbedOptions,
  type IflychatSession,
  type KitElement,
  type SessionOptions,
} from './client.js';

const SessionContext = React.createContext<IflychatSession | null>(null);

const toKitError = (error: unknown) =>
  error instanceof IflychatKitError ? error : new IflychatKitError('network', 0, String(error));

export interface IflychatProviderProps extends Omit<SessionOptions, 'onRenewError'> {
  /** A session made with `createChatSession` (the other options are then ignored). */
  session?: IflychatSession;
  /** Called when the token or the widget cannot be loaded, or renewing fails. */
  onError?: (error: IflychatKitError) => void;
  children?: React.ReactNode;
}

/**
 * Gives its rooms one session: the `session` given, or one made from the options (a new one when
 * `strapiUrl`, `jwt`, the server's `token` or `scriptUrl` change, as on sign-in; `getToken` and
 * `revoke` may be new functions on each render).
 */
export function IflychatProvider({
  session,
  onError,
  children,
  ...options
}: IflychatProviderProps) {
  const errorRef = React.useRef(onError);
  errorRef.current = onError;
  // The latest functions are called, so an inline `getToken={() => …}` makes no new session.
  const calls = React.useRef(options);
  calls.current = options;
  const { strapiUrl, jwt, scriptUrl } = options;
  const hasGetToken = Boolean(options.getToken);
  const serverToken = options.token?.token;
  const active = React.useMemo(
    () =>
      session ??
      createChatSession({
        ...options,
        getToken: hasGetToken ? () => calls.current.getToken!() : undefined,
        revoke: options.revoke ? () => calls.current.revoke!() : undefined,
        onRenewError: (error) => errorRef.current?.(error),
      }),
    // A new session for a new user (strapiUrl, jwt, a token from the server, getToken given or
    // not) or script; the other options are read when the session is made.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [session, strapiUrl, jwt, hasGetToken, serverToken, scriptUrl]
  );
  React.useEffect(() => {
    active.start().catch((error: unknown) => errorRef.current?.(toKitError(error)));
    return () => active.stop();
  }, [active]);
  return <SessionContext.Provider value={active}>{children}</SessionContext.Provider>;
}

/** The session of the nearest {@link IflychatProvider} (for a sign-out button, say), or null. */
export function useIflychat(): IflychatSession | null {
  return React.useContext(SessionContext);
}

export interface IflychatRoomProps extends EmbedOptions, Omit<SessionOptions, 'onRenewError'> {
  /** The entry's room id; null while the room is not made yet (nothing is rendered). */
  roomId: number | string | null;
  className?: string;
  /** Called when the token or the widget cannot be loaded, or renewing fails. */
  onError?: (error: IflychatKitError) => void;
  /**
   * Change it (a counter, say) after the user joined or left a members-only room: the session
   * gets a new token (`session.refresh()`) and the room is opened again with it.
   */
  refreshKey?: string | number;
}

type Options = Omit<SessionOptions, 'onRenewError'>;

/** The nearest provider's session, or the page's session for `options` (and the latest onError). */
function useSession(options: Options, onError?: (error: IflychatKitError) => void) {
  const provided = React.useContext(SessionContext);
  const errorRef = React.useRef(onError);
  errorRef.current = onError;
  const { strapiUrl, jwt, scriptUrl } = options;
  const session = React.useMemo(
    () => provided ?? pageSession({ ...options, onRenewError: (e) => errorRef.current?.(e) }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [provided, strapiUrl, jwt, scriptUrl]
  );
  return { session, errorRef };
}

/**
 * A room, in the session of the nearest {@link IflychatProvider}; outside one, in the page's
 * session for its own `strapiUrl` and `jwt` (shared by every room given the same ones).
 */
export function IflychatRoom({
  roomId,
  height,
  width,
  className,
  onError,
  refreshKey,
  ...options
}: IflychatRoomProps) {
  const ref = React.useRef<HTMLDivElement & KitElement>(null);
  const firstKey = React.useRef(refreshKey);
  const { session, errorRef } = useSession(options, onError);

  React.useEffect(() => {
    let cancelled = false;
    session
      .start()
      .then(() => {
        if (!cancelled && ref.current) embedRoom(ref.current, roomId, { height, width });
      })
      .catch((error: unknown) => {
        if (!cancelled) errorRef.current?.(toKitError(error));
      });
    return () => {
      cancelled = true;
      session.stop();
    };
  }, [session, errorRef, roomId, height, width]);

  React.useEffect(() => {
    if (refreshKey === firstKey.current) return;
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

export interface IflychatPopupProps extends Options {
  /** Called when the token or the widget cannot be loaded, or renewing fails. */
  onError?: (error: IflychatKitError) => void;
}

/**
 * iFlyChat's popup chat (docked at the bottom of the page) while it is mounted, in the session of
 * the nearest {@link IflychatProvider} (or the page's session for its own options). It renders
 * nothing where it stands: the widget docks the popup at the end of the body. Open a one-to-one
 * chat in it with `useIflychat().startChat({ userId, name })`.
 */
export function IflychatPopup({ onError, ...options }: IflychatPopupProps) {
  const { session, errorRef } = useSession(options, onError);
  React.useEffect(() => {
    const element = showPopup() as KitElement & { remove(): void };
    let cancelled = false;
    session.start().catch((error: unknown) => {
      if (!cancelled) errorRef.current?.(toKitError(error));
    });
    return () => {
      cancelled = true;
      element.remove();
      session.stop();
    };
  }, [session, errorRef]);
  return null;
}
