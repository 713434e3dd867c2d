/**
 * iflychat-strapi-kit/client: lets a page's signed-in site user into iFlyChat rooms.
 *
 *   const chat = createChatSession({ strapiUrl: 'https://cms.example.com', jwt });
 *   chat.embed(document.getElementById('chat'), community.roomId, { height: '600px' });
 *   chat.embed(document.getElementById('other'), other.roomId);   // same token, same script
 *   await chat.popup();                                            // the docked popup chat
 *   await chat.startChat({ userId: 'strapi-12', name: 'max' });    // "message this member"
 *   await chat.signOut();                                          // when the user signs out
 *
 * One session serves every room of a page: it asks the plugin once for the user's chat token
 * (`POST /api/iflychat/token`), or for the public config for a guest (`GET /api/iflychat/config`),
 * sets iFlyChat's globals, loads the widget script once, and renews the token before it expires.
 * No dependency; nothing is touched before a function is called, so importing it on a server
 * (SSR) is harmless.
 */

/** The parts of an element the kit uses (an `HTMLElement` has them all). */
export interface KitElement {
  setAttribute(name: string, value: string): void;
  appendChild(child: never): unknown;
  replaceChildren(): void;
  className?: string;
}

interface KitScript {
  src: string;
  async: boolean;
  setAttribute(name: string, value: string): void;
  addEventListener(type: 'load' | 'error', listener: () => void): void;
  remove?(): void;
}

interface KitDocument {
  createElement(tag: 'div'): KitElement;
  createElement(tag: 'script'): KitScript;
  querySelector(selector: string): unknown;
  querySelectorAll?(selector: string): ArrayLike<{ remove(): void }>;
  head: { appendChild(child: never): unknown };
  body: { appendChild(child: never): unknown };
}

/** What iFlyChat's JavaScript SDK is given to open a chat: a user's id, or `c-<room id>`. */
export interface StartChatCall {
  id: string;
  name?: string;
  state: 'open' | 'minimised';
}

interface KitWindow {
  iflychat_app_id?: string;
  iflychat_external_cdn_host?: string;
  iflychat_auth_token?: string;
  /** iFlyChat's JavaScript SDK, which the widget defines where the site's plan has it. */
  iflychat?: { startChat?: (call: StartChatCall) => void };
}

type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; credentials?: 'omit' }
) => Promise<{
  status: number;
  ok: boolean;
  headers: { get(name: string): string | null };
  json(): Promise<unknown>;
}>;

/** What `POST /api/iflychat/token` answers (its `data`), as {@link getChatToken} returns it. */
export interface ChatToken {
  /** The chat token for iFlyChat's widget. Never log it or store it beyond the page. */
  token: string;
  /** ISO date after which iFlyChat no longer accepts the token. */
  expiresAt: string;
  appId: string;
  /** The user's iFlyChat user id. */
  userId: string;
  /** The widget script to load. */
  scriptUrl: string;
}

export interface SessionOptions {
  /** Where Strapi answers, such as `https://cms.example.com` (no trailing `/api`). */
  strapiUrl?: string;
  /** The signed-in user's Users & Permissions JWT: the kit asks Strapi for the chat token. */
  jwt?: string | null;
  /**
   * Gets a chat token some other way (a route of the site's own server that calls
   * {@link getChatToken}, for a site whose session is an httpOnly cookie). Called once per page
   * load, and again to renew.
   */
  getToken?: () => Promise<ChatToken>;
  /** A token fetched on the server and handed to the page: used first, renewed with `getToken`. */
  token?: ChatToken | null;
  /** Signs the user out of the chat on the server, for a session without `jwt`. */
  revoke?: () => Promise<void>;
  /** A `fetch` to use instead of the global one (tests, older browsers, server rendering). */
  fetch?: FetchLike;
  /** Load this widget script instead of the one the plugin names (its host must be allowed). */
  scriptUrl?: string;
  /**
   * Hosts (`host` or `host:port`) the widget script may come from besides `cdn.iflychat.com`.
   * Any other script URL is refused, so a changed setting in Strapi cannot put a script of its
   * choosing on the site's pages. Plain `http` is only accepted for localhost and 127.x.x.x.
   */
  allowedScriptHosts?: readonly string[];
  /** Called when renewing the token fails; the kit tries again later. */
  onRenewError?: (error: IflychatKitError) => void;
}

/** The older name of {@link SessionOptions}. */
export type LoadOptions = SessionOptions;

export interface IflychatSession {
  /** iFlyChat's app id; null until the session has loaded. */
  readonly appId: string | null;
  /** The user's iFlyChat user id; null for a guest or before loading. */
  readonly userId: string | null;
  /** The current token (renewed in place); null for a guest or before loading. */
  readonly token: string | null;
  readonly expiresAt: Date | null;
  readonly scriptUrl: string | null;
  /**
   * Loads the session (the first call asks for the token and loads the script; later calls wait
   * for the same load) and keeps the token renewed until as many {@link stop} calls.
   */
  start(): Promise<void>;
  /** Undoes one {@link start}: renewing stops when none is left. Nothing is forgotten. */
  stop(): void;
  /**
   * Renders a room into `element` once the session has loaded (see {@link embedRoom}); resolves
   * to the embed element, or null for a null room id. Holds the session until `release()`.
   */
  embed(
    element: KitElement,
    roomId: number | string | null,
    options?: EmbedOptions
  ): Promise<KitElement | null>;
  /**
   * Asks for a new token now (after the user joined or left a members-only room, say) and puts
   * it in place; embed the rooms again to open them with it. Concurrent calls share one request.
   * Rejects with an {@link IflychatKitError} (renewing goes on). A guest's resolves at once.
   */
  refresh(): Promise<void>;
  /**
   * Signs the user out of the chat: stops renewing, deletes iFlyChat's globals, removes the
   * widget script and empties the rooms this session embedded, then has the plugin delete the
   * token in iFlyChat (`DELETE /api/iflychat/token`, or `revoke`). Call it before the JWT is
   * thrown away. The session can be started again (for a guest, or with a new token).
   */
  signOut(): Promise<void>;
  /**
   * Shows iFlyChat's popup chat (its docked chat: `<div class="iflychat-popup">` at the end of
   * the body, one per page, see {@link showPopup}) and loads the session. Resolves to the popup
   * element; removing it closes the popup. Holds the session until `signOut()`.
   */
  popup(): Promise<KitElement>;
  /**
   * Opens a chat in the popup through iFlyChat's JavaScript SDK (`iflychat.startChat`): with a
   * member (`userId`, their iFlyChat user id: the plugin's `userIdPrefix` and their Strapi id,
   * such as `strapi-12`) or in a room (`roomId`). Rejects with an `unsupported`
   * {@link IflychatKitError} when the loaded widget has no SDK (the site's iFlyChat plan may not
   * include it), with a TypeError naming a bad argument.
   */
  startChat(target: ChatTarget): Promise<void>;
}

/** Whom {@link IflychatSession.startChat} opens a chat with: one of `userId` and `roomId`. */
export interface ChatTarget {
  /** The member's iFlyChat user id (`strapi-12` with the plugin's default prefix). */
  userId?: string;
  /** A room id, to open that room in the popup instead. */
  roomId?: number | string;
  /** The name the chat window shows before iFlyChat has loaded the member's own. */
  name?: string;
  /** Open the chat minimised instead of open. */
  minimised?: boolean;
}

/** The older name of {@link IflychatSession}. */
export type ChatSession = IflychatSession;

export type IflychatKitErrorKind =
  | 'unauthorized'
  | 'forbidden'
  | 'rate-limited'
  | 'unavailable'
  | 'refused'
  | 'network'
  | 'invalid-answer'
  | 'unsafe-script'
  | 'unsupported';

/** A failed call to the plugin, with what the page can do about it. */
export class IflychatKitError extends Error {
  readonly kind: IflychatKitErrorKind;
  /** The HTTP status, or 0 when there was no answer. */
  readonly status: number;
  /** Seconds to wait before trying again (429 and 503). */
  readonly retryAfterSeconds: number | undefined;

  constructor(kind: IflychatKitErrorKind, status: number, message: string, retryAfter?: number) {
    super(message);
    this.name = 'IflychatKitError';
    this.kind = kind;
    this.status = status;
    this.retryAfterSeconds = retryAfter;
  }
}

export interface EmbedOptions {
  /** CSS length, or a number of pixels. Default `600px`. */
  height?: string | number;
  /** CSS length, or a number of pixels. Default `100%`. */
  width?: string | number;
}

/** A token is renewed this long before it expires. */
export const RENEW_BEFORE_MS = 60_000;
/** iFlyChat's own CDN: the one host the widget script may come from unless the page allows more. */
export const IFLYCHAT_CDN_HOST = 'cdn.iflychat.com';
const MIN_RENEW_DELAY_MS = 5_000;
const MAX_TIMER_MS = 2_147_000_000;
const TOKEN_PATH = '/api/iflychat/token';

const KINDS: Record<number, IflychatKitErrorKind> = {
  401: 'unauthorized',
  403: 'forbidden',
  429: 'rate-limited',
  502: 'refused',
  503: 'unavailable',
};

function env(): { document: KitDocument; window: KitWindow } {
  const scope = globalThis as unknown as { document?: KitDocument; window?: KitWindow };
  if (!scope.document) throw new Error('iflychat-strapi-kit/client needs a browser document');
  return { document: scope.document, window: scope.window ?? (scope as KitWindow) };
}

function checkUrl(value: unknown, name: string): string {
  if (typeof value !== 'string' || !/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(value)) {
    throw new TypeError(`${name} must be an http(s) URL such as https://cms.example.com`);
  }
  return value.replace(/\/+$/, '');
}

const isLoopback = (host: string) => /^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$/.test(host);

/**
 * The widget script URL if its host is iFlyChat's CDN or one of `allowedHosts` (over https, or
 * http on this machine); protocol-relative URLs are read as https. Throws `unsafe-script`.
 */
export function checkScriptUrl(value: unknown, allowedHosts: readonly string[] = []): string {
  const match =
    typeof value === 'string' ? /^(?:(https?):)?\/\/([^\s/?#@\\]+)(\/\S*)$/i.exec(value) : null;
  if (!match) {
    throw new IflychatKitError('unsafe-script', 0, 'scriptUrl must be an https URL of a script');
  }
  const scheme = (match[1] ?? 'https').toLowerCase();
  const host = match[2].toLowerCase();
  const allowed = [IFLYCHAT_CDN_HOST, ...allowedHosts.map((entry) => entry.toLowerCase())];
  if (!allowed.includes(host) || (scheme === 'http' && !isLoopback(host))) {
    throw new IflychatKitError(
      'unsafe-script',
      0,
      `the widget script ${scheme}://${host}/… is not on ${IFLYCHAT_CDN_HOST} or a host in allowedScriptHosts (https only)`
    );
  }
  return `${scheme}://${host}${match[3]}`;
}

function checkFunction(value: unknown, name: string): void {
  if (value !== undefined && typeof value !== 'function') {
    throw new TypeError(`${name} must be a function`);
  }
}

function checkJwt(value: unknown): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'string' || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(value)) {
    throw new TypeError('jwt must be the JSON Web Token Strapi answered on sign-in');
  }
}

/** Checks the options of {@link createChatSession}; throws a TypeError naming the bad one. */
export function checkLoadOptions(options: unknown): SessionOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('createChatSession needs an options object: { strapiUrl, jwt? }');
  }
  const input = options as Record<string, unknown>;
  checkJwt(input.jwt);
  for (const name of ['fetch', 'getToken', 'revoke', 'onRenewError']) {
    checkFunction(input[name], name);
  }
  if (input.token !== undefined && input.token !== null) readToken(input.token);
  const needsStrapi = !input.getToken && !input.token;
  const strapiUrl =
    needsStrapi || input.strapiUrl !== undefined
      ? checkUrl(input.strapiUrl, 'strapiUrl')
      : undefined;
  const hosts = input.allowedScriptHosts ?? [];
  if (
    !Array.isArray(hosts) ||
    !hosts.every((h) => typeof h === 'string' && /^[\w.:[\]-]+$/.test(h))
  ) {
    throw new TypeError('allowedScriptHosts must be a list of host names such as chat.example.com');
  }
  if (input.scriptUrl !== undefined) checkScriptUrl(input.scriptUrl, hosts as string[]);
  return { ...(input as SessionOptions), strapiUrl };
}

function retryAfterOf(value: string | null): number | undefined {
  const seconds = value === null ? NaN : Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

function messageOf(body: unknown, status: number): string {
  const message = (body as { error?: { message?: unknown } } | null)?.error?.message;
  return typeof message === 'string' && message ? message : `Strapi answered HTTP ${status}`;
}

async function call(
  options: SessionOptions,
  path: string,
  method: 'GET' | 'POST' | 'DELETE'
): Promise<Record<string, unknown>> {
  const doFetch = options.fetch ?? globalThis.fetch;
  if (!doFetch) throw new TypeError('no fetch is available: pass options.fetch');
  let response;
  try {
    response = await doFetch(`${options.strapiUrl ?? ''}${path}`, {
      method,
      headers: {
        Accept: 'application/json',
        ...(options.jwt ? { Authorization: `Bearer ${options.jwt}` } : {}),
      },
      credentials: 'omit',
    });
  } catch (error) {
    throw new IflychatKitError(
      'network',
      0,
      `Strapi could not be reached: ${error instanceof Error ? error.message : String(error)}`
    );
  }
  if (response.status === 204) return {};
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    throw new IflychatKitError(
      KINDS[response.status] ?? 'unavailable',
      response.status,
      messageOf(body, response.status),
      retryAfterOf(response.headers.get('retry-after'))
    );
  }
  const data = (body as { data?: unknown } | null)?.data;
  if (typeof data !== 'object' || data === null) {
    throw new IflychatKitError('invalid-answer', response.status, `${path} answered no data`);
  }
  return data as Record<string, unknown>;
}

/** A token answer checked field by field; throws `invalid-answer` naming the missing one. */
function readToken(value: unknown): ChatToken {
  const data = (typeof value === 'object' && value !== null ? value : {}) as Record<
    string,
    unknown
  >;
  for (const key of ['token', 'appId', 'userId', 'scriptUrl', 'expiresAt'] as const) {
    if (typeof data[key] !== 'string' || !data[key]) {
      throw new IflychatKitError('invalid-answer', 200, `the token answer has no ${key}`);
    }
  }
  if (Number.isNaN(new Date(data.expiresAt as string).getTime())) {
    throw new IflychatKitError('invalid-answer', 200, 'the token answer has no expiresAt');
  }
  const { token, expiresAt, appId, userId, scriptUrl } = data as unknown as ChatToken;
  return { token, expiresAt, appId, userId, scriptUrl };
}

/**
 * Asks Strapi for the user's chat token, for code on a server (a Next.js route handler, a Nuxt
 * server route, an Astro endpoint) that holds the user's JWT; hand the answer to the page's
 * `createChatSession({ token })` or `getToken`. Rejects with an {@link IflychatKitError}.
 */
export async function getChatToken(options: {
  strapiUrl: string;
  jwt: string;
  fetch?: FetchLike;
}): Promise<ChatToken> {
  const checked = checkLoadOptions(options);
  if (!checked.jwt) throw new TypeError('getChatToken needs the user’s jwt');
  return readToken(await call(checked, TOKEN_PATH, 'POST'));
}

/** The host iFlyChat's widget loads its other files from: the script's own host. */
export function cdnHost(scriptUrl: string): string {
  const match = /^(?:https?:)?\/\/([^/?#]+)/.exec(scriptUrl);
  return match ? match[1] : IFLYCHAT_CDN_HOST;
}

const WIDGET_SELECTOR = 'script[data-iflychat-widget]';
let scriptLoading: Promise<void> | null = null;

/** Adds the widget script once per page; later calls wait for the same load. */
function loadScript(src: string): Promise<void> {
  const { document } = env();
  if (scriptLoading) return scriptLoading;
  if (document.querySelector(WIDGET_SELECTOR)) {
    scriptLoading = Promise.resolve();
    return scriptLoading;
  }
  scriptLoading = new Promise<void>((resolve, reject) => {
    const script = document.createElement('script');
    script.async = true;
    script.src = src;
    script.setAttribute('data-iflychat-widget', 'true');
    script.addEventListener('load', () => resolve());
    script.addEventListener('error', () => {
      scriptLoading = null;
      reject(new IflychatKitError('network', 0, `the iFlyChat widget ${src} could not be loaded`));
    });
    document.head.appendChild(script as never);
  });
  return scriptLoading;
}

/** Deletes iFlyChat's globals and removes the widget script from the page. */
function removeWidget(): void {
  const { document, window } = env();
  delete window.iflychat_auth_token;
  delete window.iflychat_app_id;
  delete window.iflychat_external_cdn_host;
  delete window.iflychat;
  // The script, and the rooms and the popup it rendered (iFlyChat's own elements).
  const nodes =
    document.querySelectorAll?.(`${WIDGET_SELECTOR}, .iflychat-embed, .${POPUP_CLASS}`) ?? [];
  for (let i = nodes.length - 1; i >= 0; i -= 1) nodes[i].remove();
  scriptLoading = null;
}

const POPUP_CLASS = 'iflychat-popup';

/**
 * iFlyChat's popup chat element, `<div class="iflychat-popup">` at the end of the body, where the
 * widget docks its chat: the one already on the page, or a new one. Remove it to close the popup.
 */
export function showPopup(): KitElement {
  const { document } = env();
  let element = document.querySelector(`.${POPUP_CLASS}`) as KitElement | null;
  if (!element) {
    element = document.createElement('div');
    element.className = POPUP_CLASS;
    document.body.appendChild(element as never);
  }
  return element;
}

const USER_ID = /^[\w.:@-]{1,254}$/;

/** The SDK call for a {@link ChatTarget}; throws a TypeError naming what is wrong. */
export function startChatCall(target: ChatTarget): StartChatCall {
  const { userId, roomId, name, minimised } = target ?? {};
  if ((userId === undefined) === (roomId === undefined)) {
    throw new TypeError('startChat needs either userId (a member) or roomId (a room)');
  }
  if (userId !== undefined && (typeof userId !== 'string' || !USER_ID.test(userId))) {
    throw new TypeError('userId must be an iFlyChat user id such as strapi-12');
  }
  if (name !== undefined && (typeof name !== 'string' || !name.trim() || name.length > 254)) {
    throw new TypeError('name must be a text of 1 to 254 characters');
  }
  let id = userId;
  if (id === undefined) {
    const room = checkRoomId(roomId);
    if (room === null) throw new TypeError('roomId must be a positive integer, not null');
    id = `c-${room}`;
  }
  return { id, ...(name ? { name } : {}), state: minimised ? 'minimised' : 'open' };
}

/** Forgets that the script was loaded and the page's shared sessions (tests). */
export function resetIflychatForTests(): void {
  scriptLoading = null;
  shared.clear();
}

const toKitError = (error: unknown): IflychatKitError =>
  error instanceof IflychatKitError ? error : new IflychatKitError('network', 0, String(error));

/** What a page needs to load the widget: from the user's token, or the guest config. */
async function widgetOf(
  options: SessionOptions,
  token: ChatToken | null
): Promise<{ appId: string; scriptUrl: string }> {
  if (token) return { appId: token.appId, scriptUrl: token.scriptUrl };
  const data = await call(options, '/api/iflychat/config', 'GET');
  if (typeof data.appId !== 'string' || typeof data.scriptUrl !== 'string') {
    throw new IflychatKitError('invalid-answer', 200, 'the config answer has no appId');
  }
  return { appId: data.appId, scriptUrl: data.scriptUrl };
}

const shared = new Map<string, IflychatSession>();

class ChatSessionImpl implements IflychatSession {
  private readonly options: SessionOptions;
  private readonly renewable: boolean;
  private readonly signedIn: boolean;
  private current: ChatToken | null;
  private widget: { appId: string; scriptUrl: string } | null = null;
  private loading: Promise<void> | null = null;
  private inFlight: Promise<void> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private holds = 0;
  private embedHold = false;
  /** Raised by signOut: answers to what was asked before it are dropped. */
  private generation = 0;

  constructor(options: SessionOptions) {
    this.options = options;
    this.renewable = Boolean(options.jwt || options.getToken);
    this.signedIn = this.renewable || Boolean(options.token);
    this.current = options.token ? readToken(options.token) : null;
  }

  get appId() {
    return this.widget?.appId ?? null;
  }
  get userId() {
    return this.current?.userId ?? null;
  }
  get token() {
    return this.current?.token ?? null;
  }
  get expiresAt() {
    return this.current ? new Date(this.current.expiresAt) : null;
  }
  get scriptUrl() {
    return this.widget?.scriptUrl ?? null;
  }

  private async obtain(): Promise<ChatToken> {
    const { getToken } = this.options;
    return readToken(getToken ? await getToken() : await call(this.options, TOKEN_PATH, 'POST'));
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Schedules the next renewal: before the token expires, or after `delayMs`. */
  private arm(delayMs?: number): void {
    this.disarm();
    if (this.holds === 0 || !this.current || !this.renewable) return;
    const delay =
      delayMs ?? new Date(this.current.expiresAt).getTime() - Date.now() - RENEW_BEFORE_MS;
    this.timer = setTimeout(
      () => void this.refresh().catch(() => undefined),
      Math.min(MAX_TIMER_MS, Math.max(MIN_RENEW_DELAY_MS, delay))
    );
  }

  private async renew(asked: number): Promise<void> {
    this.disarm();
    try {
      const token = await this.obtain();
      if (asked !== this.generation) return;
      this.current = token;
      if (this.widget) env().window.iflychat_auth_token = token.token;
      this.arm();
    } catch (error) {
      const failure = toKitError(error);
      if (asked !== this.generation) throw failure;
      this.options.onRenewError?.(failure);
      // A signed-out user stays out; anything else is tried again.
      if (failure.kind !== 'unauthorized' && failure.kind !== 'forbidden') {
        this.arm((failure.retryAfterSeconds ?? 30) * 1000);
      }
      throw failure;
    }
  }

  private async load(): Promise<void> {
    const asked = this.generation;
    const signedOut = () => new IflychatKitError('unauthorized', 0, 'signed out');
    if (this.signedIn && !this.current) {
      const token = await this.obtain();
      if (asked !== this.generation) throw signedOut();
      this.current = token;
    }
    const found = await widgetOf(this.options, this.signedIn ? this.current : null);
    const scriptUrl = checkScriptUrl(
      this.options.scriptUrl ?? found.scriptUrl,
      this.options.allowedScriptHosts
    );
    if (asked !== this.generation) throw signedOut();
    const { window } = env();
    window.iflychat_app_id = found.appId;
    window.iflychat_external_cdn_host = cdnHost(scriptUrl);
    if (this.current) window.iflychat_auth_token = this.current.token;
    this.widget = { appId: found.appId, scriptUrl };
    await loadScript(scriptUrl);
  }

  readonly refresh = (): Promise<void> => {
    if (!this.renewable) return Promise.resolve();
    this.inFlight ??= this.renew(this.generation).finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  };

  readonly start = (): Promise<void> => {
    this.holds += 1;
    if (!this.loading) {
      const loading: Promise<void> = this.load().catch((error: unknown) => {
        // Forgotten so that the next start tries again (unless signOut already replaced it).
        if (this.loading === loading) this.loading = null;
        throw toKitError(error);
      });
      this.loading = loading;
    }
    return this.loading.then(() => {
      if (!this.timer) this.arm();
    });
  };

  readonly stop = (): void => {
    this.holds = Math.max(0, this.holds - 1);
    if (this.holds === 0) this.disarm();
  };

  /** Loads the session, held until signOut for what it put on the page (rooms, the popup). */
  private async hold(): Promise<void> {
    if (this.embedHold) await this.start().finally(this.stop);
    else {
      this.embedHold = true;
      await this.start();
    }
  }

  readonly embed = async (
    element: KitElement,
    roomId: number | string | null,
    options?: EmbedOptions
  ): Promise<KitElement | null> => {
    checkRoomId(roomId);
    await this.hold();
    return embedRoom(element, roomId, options);
  };

  readonly popup = async (): Promise<KitElement> => {
    // On the page before the widget loads, so the widget finds it when it starts.
    const element = showPopup();
    await this.hold();
    return element;
  };

  readonly startChat = async (target: ChatTarget): Promise<void> => {
    const call = startChatCall(target);
    // The popup it opens in: one on the page already (held by whoever showed it), or one now.
    if (env().document.querySelector(`.${POPUP_CLASS}`)) await this.start().finally(this.stop);
    else await this.popup();
    const sdk = env().window.iflychat;
    if (typeof sdk?.startChat !== 'function') {
      throw new IflychatKitError(
        'unsupported',
        0,
        'the iFlyChat widget on this page has no startChat (iFlyChat’s JavaScript SDK, which the site’s iFlyChat plan may not include)'
      );
    }
    sdk.startChat(call);
  };

  readonly signOut = async (): Promise<void> => {
    this.generation += 1;
    this.holds = 0;
    this.embedHold = false;
    this.disarm();
    this.current = null;
    this.widget = null;
    this.loading = null;
    for (const [key, value] of shared) if (value === this) shared.delete(key);
    removeWidget();
    if (this.options.revoke) await this.options.revoke();
    else if (this.options.jwt) await call(this.options, TOKEN_PATH, 'DELETE');
  };
}

/**
 * One chat session for the page: create it once (with the user's JWT, a `getToken` function or
 * a `token` fetched on the server; with none of them, for a guest) and embed every room through
 * it. Nothing is asked of Strapi until `start()` or `embed()` is called; then the token is asked
 * for once, however many rooms and however often React mounts them.
 */
export function createChatSession(options: SessionOptions): IflychatSession {
  return new ChatSessionImpl(checkLoadOptions(options));
}

/** The page's one session for these options (`strapiUrl`, `jwt`, `scriptUrl`): made on first use. */
export function pageSession(options: SessionOptions): IflychatSession {
  const key = JSON.stringify([options.strapiUrl, options.jwt ?? null, options.scriptUrl ?? null]);
  let session = shared.get(key);
  if (!session) {
    session = createChatSession(options);
    shared.set(key, session);
  }
  return session;
}

/**
 * The page's session for these options, loaded: the first call asks for the token, later calls
 * share it. Rejects with an {@link IflychatKitError}: `unauthorized` (401: sign in again),
 * `forbidden` (403: the role may not chat), `rate-limited` (429) and `unavailable` (503) with
 * `retryAfterSeconds`, `refused` (502: iFlyChat refused), `unsafe-script` (a script host that is
 * not allowed). Prefer {@link createChatSession}.
 */
export async function loadIflychat(options: SessionOptions): Promise<IflychatSession> {
  const session = pageSession(checkLoadOptions(options));
  try {
    await session.start();
  } catch (error) {
    session.stop();
    throw error;
  }
  return session;
}

/** A room id: a positive integer (iFlyChat's), as a number or a decimal string. */
export function checkRoomId(roomId: unknown): string | null {
  if (roomId === null || roomId === undefined) return null;
  if (typeof roomId === 'number' && Number.isSafeInteger(roomId) && roomId > 0) {
    return String(roomId);
  }
  if (typeof roomId === 'string' && /^[1-9]\d{0,18}$/.test(roomId)) return roomId;
  throw new TypeError(`roomId must be a positive integer, not ${JSON.stringify(roomId)}`);
}

function checkLength(value: unknown, name: string, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return `${value}px`;
  if (typeof value === 'string' && /^\d+(\.\d+)?(px|%|em|rem|vh|vw)$/.test(value)) return value;
  throw new TypeError(`${name} must be a CSS length such as 600px or 100%, or a number of pixels`);
}

/**
 * Renders iFlyChat's embed element for a room into `element` (replacing what it held):
 * `<div class="iflychat-embed" data-room-id=… data-height=… data-width=…>`. A `null` room id
 * (the room is not made yet) renders nothing and returns null.
 */
export function embedRoom(
  element: KitElement,
  roomId: number | string | null,
  options: EmbedOptions = {}
): KitElement | null {
  if (!element || typeof element.appendChild !== 'function') {
    throw new TypeError('embedRoom needs the element to render the room into');
  }
  const id = checkRoomId(roomId);
  const height = checkLength(options.height, 'height', '600px');
  const width = checkLength(options.width, 'width', '100%');
  element.replaceChildren();
  if (id === null) return null;
  const embed = env().document.createElement('div');
  embed.className = 'iflychat-embed';
  embed.setAttribute('data-room-id', id);
  embed.setAttribute('data-height', height);
  embed.setAttribute('data-width', width);
  element.appendChild(embed as never);
  return embed;
}
