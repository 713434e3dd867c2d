/**
 * strapi-plugin-iflychat/client: lets a page's signed-in site user into iFlyChat rooms.
 *
 *   const session = await loadIflychat({ strapiUrl: 'https://cms.example.com', jwt });
 *   embedRoom(document.getElementById('chat'), community.roomId, { height: '600px' });
 *
 * `loadIflychat` asks the plugin for the user's chat token (`POST /api/iflychat/token`), or for
 * the public config for a guest (`GET /api/iflychat/config`), sets iFlyChat's globals, loads the
 * widget script once per page, and renews the token before it expires. No dependency; the DOM is
 * only touched when the functions are called, so importing it on a server is harmless.
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
}

interface KitDocument {
  createElement(tag: 'div'): KitElement;
  createElement(tag: 'script'): KitScript;
  querySelector(selector: string): unknown;
  head: { appendChild(child: never): unknown };
}

interface KitWindow {
  iflychat_app_id?: string;
  iflychat_external_cdn_host?: string;
  iflychat_auth_token?: string;
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

export interface LoadOptions {
  /** Where Strapi answers, such as `https://cms.example.com` (no trailing `/api`). */
  strapiUrl: string;
  /** The signed-in user's Users & Permissions JWT; without it the widget loads for a guest. */
  jwt?: string | null;
  /** A `fetch` to use instead of the global one (tests, older browsers, server rendering). */
  fetch?: FetchLike;
  /** Load this widget script instead of the one the plugin names. */
  scriptUrl?: string;
  /** Called when renewing the token fails; the kit tries again later. */
  onRenewError?: (error: IflychatKitError) => void;
}

export interface IflychatSession {
  appId: string;
  /** The user's iFlyChat user id; null for a guest. */
  userId: string | null;
  /** The current token (renewed in place); null for a guest. */
  readonly token: string | null;
  readonly expiresAt: Date | null;
  scriptUrl: string;
  /**
   * Asks for a new token now (after the user joined or left a members-only room, say) and puts
   * it in place; embed the rooms again to open them with it. Concurrent calls share one request.
   * Rejects with an {@link IflychatKitError} (renewing goes on). A guest's resolves at once.
   */
  refresh(): Promise<void>;
  /** Stops renewing the token. */
  stop(): void;
  /**
   * Signs the user out of the chat: stops renewing, forgets the token on the page and has the
   * plugin delete it in iFlyChat (`DELETE /api/iflychat/token`). Call it when the user signs out
   * of the site, before the JWT is thrown away. A guest's session only stops.
   */
  signOut(): Promise<void>;
}

export type IflychatKitErrorKind =
  | 'unauthorized'
  | 'forbidden'
  | 'rate-limited'
  | 'unavailable'
  | 'refused'
  | 'network'
  | 'invalid-answer';

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
const MIN_RENEW_DELAY_MS = 5_000;
const MAX_TIMER_MS = 2_147_000_000;

const KINDS: Record<number, IflychatKitErrorKind> = {
  401: 'unauthorized',
  403: 'forbidden',
  429: 'rate-limited',
  502: 'refused',
  503: 'unavailable',
};

function env(): { document: KitDocument; window: KitWindow } {
  const scope = globalThis as unknown as { document?: KitDocument; window?: KitWindow };
  if (!scope.document) throw new Error('strapi-plugin-iflychat/client needs a browser document');
  return { document: scope.document, window: scope.window ?? (scope as KitWindow) };
}

function checkUrl(value: unknown, name: string): string {
  if (typeof value !== 'string' || !/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(value)) {
    throw new TypeError(`${name} must be an http(s) URL such as https://cms.example.com`);
  }
  return value.replace(/\/+$/, '');
}

function checkScriptUrl(value: unknown, name: string): string {
  if (typeof value !== 'string' || !/^(https?:)?\/\/[^\s/?#]+\/\S*$/.test(value)) {
    throw new TypeError(`${name} must be an http(s) or protocol-relative script URL`);
  }
  return value;
}

/** Checks the arguments of {@link loadIflychat}; throws a TypeError naming the bad one. */
export function checkLoadOptions(options: unknown): LoadOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('loadIflychat needs an options object: { strapiUrl, jwt? }');
  }
  const input = options as Record<string, unknown>;
  const strapiUrl = checkUrl(input.strapiUrl, 'strapiUrl');
  if (input.jwt !== undefined && input.jwt !== null) {
    if (typeof input.jwt !== 'string' || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(input.jwt)) {
      throw new TypeError('jwt must be the JSON Web Token Strapi answered on sign-in');
    }
  }
  if (input.fetch !== undefined && typeof input.fetch !== 'function') {
    throw new TypeError('fetch must be a function');
  }
  if (input.scriptUrl !== undefined) checkScriptUrl(input.scriptUrl, 'scriptUrl');
  if (input.onRenewError !== undefined && typeof input.onRenewError !== 'function') {
    throw new TypeError('onRenewError must be a function');
  }
  return { ...(input as unknown as LoadOptions), strapiUrl };
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
  options: LoadOptions,
  path: string,
  method: 'GET' | 'POST' | 'DELETE'
): Promise<Record<string, unknown>> {
  const doFetch = options.fetch ?? globalThis.fetch;
  if (!doFetch) throw new TypeError('no fetch is available: pass options.fetch');
  let response;
  try {
    response = await doFetch(`${options.strapiUrl}${path}`, {
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

interface TokenAnswer {
  token: string;
  expiresAt: Date;
  appId: string;
  userId: string;
  scriptUrl: string;
}

function readToken(data: Record<string, unknown>): TokenAnswer {
  const expiresAt = new Date(String(data.expiresAt));
  for (const key of ['token', 'appId', 'userId', 'scriptUrl'] as const) {
    if (typeof data[key] !== 'string' || !data[key]) {
      throw new IflychatKitError('invalid-answer', 200, `the token answer has no ${key}`);
    }
  }
  if (Number.isNaN(expiresAt.getTime())) {
    throw new IflychatKitError('invalid-answer', 200, 'the token answer has no expiresAt');
  }
  return { ...(data as unknown as TokenAnswer), expiresAt };
}

/** The host iFlyChat's widget loads its other files from: the script's own host. */
export function cdnHost(scriptUrl: string): string {
  const match = /^(?:https?:)?\/\/([^/?#]+)/.exec(scriptUrl);
  return match ? match[1] : 'cdn.iflychat.com';
}

let scriptLoading: Promise<void> | null = null;

/** Adds the widget script once per page; later calls wait for the same load. */
function loadScript(src: string): Promise<void> {
  const { document } = env();
  if (scriptLoading) return scriptLoading;
  if (document.querySelector('script[data-iflychat-widget]')) {
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

/** Forgets that the script was loaded (tests, or a page that removed it). */
export function resetIflychatForTests(): void {
  scriptLoading = null;
}

/**
 * Gets the user's chat token (or the guest config), sets iFlyChat's globals and loads the widget.
 * Rejects with an {@link IflychatKitError}: `unauthorized` (401: sign in again), `forbidden`
 * (403: the role may not chat), `rate-limited` (429) and `unavailable` (503) with
 * `retryAfterSeconds`, `refused` (502: iFlyChat refused).
 */
export async function loadIflychat(input: LoadOptions): Promise<IflychatSession> {
  const options = checkLoadOptions(input);
  const { window } = env();

  if (!options.jwt) {
    const data = await call(options, '/api/iflychat/config', 'GET');
    if (typeof data.appId !== 'string' || typeof data.scriptUrl !== 'string') {
      throw new IflychatKitError('invalid-answer', 200, 'the config answer has no appId');
    }
    const scriptUrl = options.scriptUrl ?? data.scriptUrl;
    window.iflychat_app_id = data.appId;
    window.iflychat_external_cdn_host = cdnHost(scriptUrl);
    await loadScript(scriptUrl);
    return {
      appId: data.appId,
      userId: null,
      token: null,
      expiresAt: null,
      scriptUrl,
      refresh: () => Promise.resolve(),
      stop() {},
      async signOut() {},
    };
  }

  let current = readToken(await call(options, '/api/iflychat/token', 'POST'));
  const scriptUrl = options.scriptUrl ?? current.scriptUrl;
  window.iflychat_app_id = current.appId;
  window.iflychat_external_cdn_host = cdnHost(scriptUrl);
  window.iflychat_auth_token = current.token;

  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const schedule = (delayMs: number) => {
    if (stopped) return;
    timer = setTimeout(
      () => void renew(),
      Math.min(MAX_TIMER_MS, Math.max(MIN_RENEW_DELAY_MS, delayMs))
    );
  };
  let inFlight: Promise<void> | null = null;
  /** Gets a new token and schedules the next renewal; a failure is reported and thrown. */
  const fetchToken = () => {
    if (timer) clearTimeout(timer);
    inFlight ??= (async () => {
      try {
        current = readToken(await call(options, '/api/iflychat/token', 'POST'));
        if (stopped) return;
        window.iflychat_auth_token = current.token;
        schedule(current.expiresAt.getTime() - Date.now() - RENEW_BEFORE_MS);
      } catch (error) {
        const failure =
          error instanceof IflychatKitError
            ? error
            : new IflychatKitError('network', 0, String(error));
        options.onRenewError?.(failure);
        // A signed-out user stays out; anything else is tried again.
        if (failure.kind !== 'unauthorized' && failure.kind !== 'forbidden') {
          schedule((failure.retryAfterSeconds ?? 30) * 1000);
        }
        throw failure;
      }
    })().finally(() => {
      inFlight = null;
    });
    return inFlight;
  };
  const renew = () => fetchToken().catch(() => undefined);
  schedule(current.expiresAt.getTime() - Date.now() - RENEW_BEFORE_MS);

  try {
    await loadScript(scriptUrl);
  } catch (error) {
    stopped = true;
    if (timer) clearTimeout(timer);
    throw error;
  }
  const stop = () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
  return {
    appId: current.appId,
    userId: current.userId,
    get token() {
      return current.token;
    },
    get expiresAt() {
      return current.expiresAt;
    },
    scriptUrl,
    refresh: fetchToken,
    stop,
    async signOut() {
      stop();
      delete window.iflychat_auth_token;
      await call(options, '/api/iflychat/token', 'DELETE');
    },
  };
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
