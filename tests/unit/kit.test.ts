/**
 * The front-end kit (iflychat-strapi-kit/client) against a small stand-in for the browser's
 * document and a recorded fetch: one session per page (one token request however many rooms,
 * a start/stop/start as React StrictMode does it), renewal, sign-out, tokens fetched on a server,
 * the widget script's allowed hosts, the popup chat and one-to-one chats through iFlyChat's
 * JavaScript SDK, argument checks and the typed errors.
 */
import {
  cdnHost,
  checkRoomId,
  createChatSession,
  embedRoom,
  getChatToken,
  IflychatKitError,
  loadIflychat,
  resetIflychatForTests,
  RENEW_BEFORE_MS,
  showPopup,
  startChatCall,
  type ChatToken,
  type StartChatCall,
} from '../../packages/kit/src/client';

class FakeElement {
  readonly attributes = new Map<string, string>();
  children: FakeElement[] = [];
  parent: FakeElement | null = null;
  className = '';
  src = '';
  async = false;
  private readonly listeners = new Map<string, Array<() => void>>();
  constructor(readonly tag: string) {}
  setAttribute(name: string, value: string) {
    this.attributes.set(name, value);
  }
  appendChild(child: FakeElement) {
    child.parent = this;
    this.children.push(child);
    return child;
  }
  replaceChildren() {
    this.children = [];
  }
  remove() {
    if (this.parent) this.parent.children = this.parent.children.filter((c) => c !== this);
    this.parent = null;
  }
  addEventListener(type: string, listener: () => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  fire(type: string) {
    for (const listener of this.listeners.get(type) ?? []) listener();
  }
  /** This element and everything under it. */
  all(): FakeElement[] {
    return [this, ...this.children.flatMap((child) => child.all())];
  }
}

let head: FakeElement;
let body: FakeElement;
let failScript: boolean;
const scope = globalThis as unknown as Record<string, unknown>;
const scripts = () => head.children;
const embeds = () => body.all().filter((element) => element.className === 'iflychat-embed');
const popups = () => body.all().filter((element) => element.className === 'iflychat-popup');

beforeEach(() => {
  failScript = false;
  resetIflychatForTests();
  head = new FakeElement('head');
  body = new FakeElement('body');
  const appendToHead = head.appendChild.bind(head);
  head.appendChild = (script: FakeElement) => {
    appendToHead(script);
    // The browser fires the script's event later; no timer, so fake timers need not run it.
    void Promise.resolve().then(() => script.fire(failScript ? 'error' : 'load'));
    return script;
  };
  scope.window = {};
  scope.document = {
    head,
    createElement: (tag: string) => new FakeElement(tag),
    body,
    querySelector: (selector: string) => {
      if (selector === '.iflychat-popup') return popups()[0] ?? null;
      expect(selector).toBe('script[data-iflychat-widget]');
      return scripts().find((script) => script.attributes.has('data-iflychat-widget')) ?? null;
    },
    querySelectorAll: (selector: string) => {
      expect(selector).toBe('script[data-iflychat-widget], .iflychat-embed, .iflychat-popup');
      return [...scripts(), ...embeds(), ...popups()];
    },
  };
  jest.useFakeTimers({
    now: Date.now(),
    doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'],
  });
});

afterEach(() => {
  delete scope.window;
  delete scope.document;
  jest.useRealTimers();
});

const JWT = 'aaa.bbb.ccc';
const STRAPI = 'https://cms.example.com';
const SCRIPT = 'https://cdn.iflychat.com/js/iflychat-v2.min.js?app_id=app-1';

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
}

function fakeFetch(answers: Array<{ status: number; body: unknown; retryAfter?: string }>) {
  const calls: Call[] = [];
  const fetch = (url: string, init: { method: string; headers: Record<string, string> }) => {
    calls.push({ url, method: init.method, headers: init.headers });
    const answer = answers.shift();
    if (!answer) return Promise.reject(new Error('offline'));
    return Promise.resolve({
      status: answer.status,
      ok: answer.status >= 200 && answer.status < 300,
      headers: {
        get: (name: string) => (name === 'retry-after' ? (answer.retryAfter ?? null) : null),
      },
      json: () => Promise.resolve(answer.body),
    });
  };
  return { fetch, calls };
}

const chatToken = (token: string, inMs = 3_600_000, scriptUrl = SCRIPT): ChatToken => ({
  token,
  expiresAt: new Date(Date.now() + inMs).toISOString(),
  appId: 'app-1',
  userId: 'strapi-1',
  scriptUrl,
});
const tokenAnswer = (token: string, inMs?: number, scriptUrl?: string) => ({
  status: 200,
  body: { data: chatToken(token, inMs, scriptUrl) },
});

const win = () => scope.window as Record<string, unknown>;
const methods = (calls: Call[]) => calls.map((call) => `${call.method} ${call.url}`);
const room = () => body.appendChild(new FakeElement('div'));

describe('createChatSession', () => {
  it('asks for nothing until a room is embedded or the session started', async () => {
    const { fetch, calls } = fakeFetch([]);
    const session = createChatSession({ strapiUrl: STRAPI, jwt: JWT, fetch });
    await jest.advanceTimersByTimeAsync(60_000);
    expect(calls).toEqual([]);
    expect(scripts()).toEqual([]);
    expect([session.token, session.appId, session.userId]).toEqual([null, null, null]);
  });

  it('twenty rooms on a page cost one token request and one script', async () => {
    const { fetch, calls } = fakeFetch([tokenAnswer('t1'), tokenAnswer('t2')]);
    const session = createChatSession({ strapiUrl: `${STRAPI}/`, jwt: JWT, fetch });
    const rooms = Array.from({ length: 20 }, () => room());
    await Promise.all(rooms.map((element, i) => session.embed(element, i + 1)));
    await session.embed(room(), 99);
    expect(calls).toEqual([
      {
        url: `${STRAPI}/api/iflychat/token`,
        method: 'POST',
        headers: { Accept: 'application/json', Authorization: `Bearer ${JWT}` },
      },
    ]);
    expect(win()).toEqual({
      iflychat_app_id: 'app-1',
      iflychat_external_cdn_host: 'cdn.iflychat.com',
      iflychat_auth_token: 't1',
    });
    expect(scripts().map((script) => [script.src, script.async])).toEqual([[SCRIPT, true]]);
    expect(embeds().map((embed) => embed.attributes.get('data-room-id'))).toEqual([
      ...rooms.map((_, i) => String(i + 1)),
      '99',
    ]);
    expect([session.token, session.userId, session.appId]).toEqual(['t1', 'strapi-1', 'app-1']);
  });

  it('start, stop, start (React StrictMode) asks once, and renews only while started', async () => {
    const { fetch, calls } = fakeFetch([
      tokenAnswer('t1', 10 * 60_000),
      tokenAnswer('t2', 10 * 60_000),
    ]);
    const session = createChatSession({ strapiUrl: STRAPI, jwt: JWT, fetch });
    const first = session.start();
    session.stop();
    await session.start();
    await first;
    expect(calls).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(10 * 60_000 - RENEW_BEFORE_MS - 10);
    expect(calls).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(20);
    expect(methods(calls)).toEqual([
      `POST ${STRAPI}/api/iflychat/token`,
      `POST ${STRAPI}/api/iflychat/token`,
    ]);
    expect(session.token).toBe('t2');
    expect(win().iflychat_auth_token).toBe('t2');
    session.stop();
    await jest.advanceTimersByTimeAsync(60 * 60_000);
    expect(calls).toHaveLength(2);
  });

  it('refresh() gets a new token at once, shares one request, and renews from the new expiry', async () => {
    const { fetch, calls } = fakeFetch([
      tokenAnswer('t1', 10 * 60_000),
      tokenAnswer('t2', 20 * 60_000),
      {
        status: 503,
        body: { data: null, error: { status: 503, message: 'later' } },
        retryAfter: '7',
      },
      tokenAnswer('t3'),
    ]);
    const session = createChatSession({ strapiUrl: STRAPI, jwt: JWT, fetch });
    await session.start();
    await jest.advanceTimersByTimeAsync(60_000);
    await Promise.all([session.refresh(), session.refresh()]);
    expect(calls).toHaveLength(2);
    expect(session.token).toBe('t2');
    expect(win().iflychat_auth_token).toBe('t2');
    // The old schedule is gone: nothing is asked when t1 would have been renewed.
    await jest.advanceTimersByTimeAsync(9 * 60_000 - RENEW_BEFORE_MS);
    expect(calls).toHaveLength(2);
    const failed = await session.refresh().catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(IflychatKitError);
    expect((failed as IflychatKitError).kind).toBe('unavailable');
    expect(session.token).toBe('t2');
    // A failed refresh is tried again after Retry-After.
    await jest.advanceTimersByTimeAsync(7_000);
    expect(calls).toHaveLength(4);
    expect(session.token).toBe('t3');
    session.stop();
  });

  it('signOut deletes the globals, removes the widget and its rooms, and deletes the token', async () => {
    const { fetch, calls } = fakeFetch([
      tokenAnswer('t1', 10 * 60_000),
      { status: 204, body: null },
    ]);
    const session = createChatSession({ strapiUrl: STRAPI, jwt: JWT, fetch });
    await session.embed(room(), 1);
    await session.embed(room(), 2);
    expect(embeds()).toHaveLength(2);
    await session.signOut();
    expect(calls.map((call) => [call.method, call.url, call.headers.Authorization])).toEqual([
      ['POST', `${STRAPI}/api/iflychat/token`, `Bearer ${JWT}`],
      ['DELETE', `${STRAPI}/api/iflychat/token`, `Bearer ${JWT}`],
    ]);
    expect(win()).toEqual({});
    expect(scripts()).toEqual([]);
    expect(embeds()).toEqual([]);
    expect([session.token, session.userId, session.appId]).toEqual([null, null, null]);
    await jest.advanceTimersByTimeAsync(20 * 60_000);
    expect(calls).toHaveLength(2); // no renewal after signing out
  });

  it('an answer that arrives after signOut is dropped', async () => {
    let answer: (value: ChatToken) => void = () => undefined;
    const getToken = jest.fn(() => new Promise<ChatToken>((resolve) => (answer = resolve)));
    const revoke = jest.fn(() => Promise.resolve());
    const session = createChatSession({ getToken, revoke });
    const loading = session.start().catch((error: IflychatKitError) => error.kind);
    await session.signOut();
    answer(chatToken('late'));
    await expect(loading).resolves.toBe('unauthorized');
    expect(win()).toEqual({});
    expect(scripts()).toEqual([]);
    expect(revoke).toHaveBeenCalledTimes(1);
  });

  it('a start after a signOut during loading loads once more, not twice', async () => {
    const answers: Array<(value: ChatToken) => void> = [];
    const getToken = jest.fn(() => new Promise<ChatToken>((resolve) => answers.push(resolve)));
    const session = createChatSession({ getToken, revoke: () => Promise.resolve() });
    const first = session.start().catch((error: IflychatKitError) => error.kind);
    await session.signOut();
    const second = session.start();
    answers[0](chatToken('old'));
    await expect(first).resolves.toBe('unauthorized');
    expect(session.token).toBeNull();
    const third = session.start();
    answers[1](chatToken('new'));
    await Promise.all([second, third]);
    expect(getToken).toHaveBeenCalledTimes(2);
    expect(session.token).toBe('new');
    expect(win().iflychat_auth_token).toBe('new');
  });

  it('takes a token fetched on the server, and renews it with getToken', async () => {
    const getToken = jest.fn(() => Promise.resolve(chatToken('t2')));
    const session = createChatSession({ token: chatToken('t1', 5 * 60_000), getToken });
    await Promise.all([session.embed(room(), 1), session.embed(room(), 2)]);
    expect(getToken).not.toHaveBeenCalled();
    expect(win().iflychat_auth_token).toBe('t1');
    await jest.advanceTimersByTimeAsync(5 * 60_000 - RENEW_BEFORE_MS);
    expect(getToken).toHaveBeenCalledTimes(1);
    expect(win().iflychat_auth_token).toBe('t2');
  });

  it('asks getToken once for every room of the page', async () => {
    const getToken = jest.fn(() => Promise.resolve(chatToken('t1')));
    const session = createChatSession({ getToken });
    await Promise.all([1, 2, 3].map((id) => session.embed(room(), id)));
    expect(getToken).toHaveBeenCalledTimes(1);
    expect(embeds()).toHaveLength(3);
  });

  it('loads the public config for a guest, whose refresh() asks for nothing', async () => {
    const { fetch, calls } = fakeFetch([
      { status: 200, body: { data: { appId: 'app-9', scriptUrl: '//cdn.iflychat.com/x.js' } } },
    ]);
    const session = createChatSession({ strapiUrl: STRAPI, fetch });
    await session.embed(room(), 3);
    await session.refresh();
    expect(calls.map((call) => [call.method, call.url, call.headers.Authorization])).toEqual([
      ['GET', `${STRAPI}/api/iflychat/config`, undefined],
    ]);
    expect(win()).toEqual({
      iflychat_app_id: 'app-9',
      iflychat_external_cdn_host: 'cdn.iflychat.com',
    });
    // A protocol-relative URL is loaded over https.
    expect(scripts()[0].src).toBe('https://cdn.iflychat.com/x.js');
    expect(session.token).toBeNull();
  });
});

describe('the popup chat and one-to-one chats', () => {
  /** iFlyChat's JavaScript SDK as the widget defines it once loaded, recording its calls. */
  function loadSdk(): StartChatCall[] {
    const started: StartChatCall[] = [];
    win().iflychat = { startChat: (call: StartChatCall) => started.push(call) };
    return started;
  }

  it('popup() puts one popup element on the page before the widget loads, with one token request', async () => {
    const { fetch, calls } = fakeFetch([tokenAnswer('t1')]);
    const session = createChatSession({ strapiUrl: STRAPI, jwt: JWT, fetch });
    const shown = session.popup();
    // On the page at once, so the widget finds it when its script runs.
    expect(popups()).toHaveLength(1);
    expect(scripts()).toHaveLength(0);
    const [first, second] = await Promise.all([shown, session.popup()]);
    await session.embed(room(), 4);
    expect(first).toBe(second);
    expect(popups()).toHaveLength(1);
    expect(body.children[0]).toBe(first);
    expect(calls).toHaveLength(1);
    expect(scripts()).toHaveLength(1);
  });

  it('startChat opens a chat with a member, or a room, through the SDK', async () => {
    const { fetch, calls } = fakeFetch([tokenAnswer('t1')]);
    const session = createChatSession({ strapiUrl: STRAPI, jwt: JWT, fetch });
    const started = loadSdk();
    await session.startChat({ userId: 'strapi-12', name: 'max' });
    await session.startChat({ roomId: '7', minimised: true });
    expect(started).toEqual([
      { id: 'strapi-12', name: 'max', state: 'open' },
      { id: 'c-7', state: 'minimised' },
    ]);
    expect(popups()).toHaveLength(1);
    expect(calls).toHaveLength(1);
  });

  it('startChat in a popup shown by a component holds the session no longer than it', async () => {
    const { fetch, calls } = fakeFetch([tokenAnswer('t1', 10 * 60_000), tokenAnswer('t2')]);
    const session = createChatSession({ strapiUrl: STRAPI, jwt: JWT, fetch });
    const started = loadSdk();
    // What <IflychatPopup /> does: the element, then start() until it unmounts.
    const shown = showPopup();
    await session.start();
    await session.startChat({ userId: 'strapi-12' });
    expect(started).toHaveLength(1);
    expect(popups()).toEqual([shown]);
    session.stop();
    await jest.advanceTimersByTimeAsync(30 * 60_000);
    expect(calls).toHaveLength(1); // not renewed once nothing holds the session
  });

  it('startChat rejects with a typed, readable error when the widget has no SDK', async () => {
    const { fetch } = fakeFetch([tokenAnswer('t1')]);
    const session = createChatSession({ strapiUrl: STRAPI, jwt: JWT, fetch });
    const failure = await session.startChat({ userId: 'strapi-12' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(IflychatKitError);
    expect(failure).toMatchObject({ kind: 'unsupported', status: 0 });
    expect((failure as Error).message).toMatch(/no startChat.*JavaScript SDK.*plan/);
    win().iflychat = { startChat: 'not a function' };
    await expect(session.startChat({ userId: 'strapi-12' })).rejects.toMatchObject({
      kind: 'unsupported',
    });
  });

  it.each([
    [{}, 'either userId'],
    [{ userId: 'strapi-1', roomId: 3 }, 'either userId'],
    [{ userId: '' }, 'userId must be'],
    [{ userId: 'a b' }, 'userId must be'],
    [{ userId: '<script>' }, 'userId must be'],
    [{ userId: 'x'.repeat(255) }, 'userId must be'],
    [{ userId: 12 }, 'userId must be'],
    [{ roomId: null }, 'roomId must be'],
    [{ roomId: 0 }, 'roomId must be'],
    [{ roomId: 'c-3' }, 'roomId must be'],
    [{ userId: 'strapi-1', name: ' ' }, 'name must be'],
    [{ userId: 'strapi-1', name: 'n'.repeat(255) }, 'name must be'],
    [null, 'either userId'],
  ])('startChat(%j) is refused before anything is asked: %s', async (target, message) => {
    expect(() => startChatCall(target as never)).toThrow(message);
    const { fetch, calls } = fakeFetch([]);
    const session = createChatSession({ strapiUrl: STRAPI, jwt: JWT, fetch });
    const started = loadSdk();
    await expect(session.startChat(target as never)).rejects.toThrow(TypeError);
    expect(calls).toEqual([]);
    expect(started).toEqual([]);
    expect(popups()).toEqual([]);
  });

  it('signOut removes the popup and the SDK, so the next user starts clean', async () => {
    const { fetch } = fakeFetch([tokenAnswer('t1'), { status: 204, body: null }]);
    const session = createChatSession({ strapiUrl: STRAPI, jwt: JWT, fetch });
    loadSdk();
    await session.startChat({ userId: 'strapi-12' });
    await session.signOut();
    expect(popups()).toEqual([]);
    expect(win()).toEqual({});
    expect(scripts()).toEqual([]);
  });
});

describe('the widget script comes only from allowed hosts', () => {
  it.each([
    'https://cms.example.com/uploads/widget.js',
    'https://cdn.iflychat.com.evil.example/js/w.js',
    'https://evil.example/cdn.iflychat.com/js/w.js',
    'https://cdn.iflychat.com@evil.example/js/w.js',
    'http://cdn.iflychat.com/js/iflychat-v2.min.js',
    'javascript:alert(1)//cdn.iflychat.com/',
    'data:text/javascript,alert(1)',
  ])('refuses %s from Strapi: no globals, no script', async (scriptUrl) => {
    const { fetch } = fakeFetch([tokenAnswer('t1', undefined, scriptUrl)]);
    const session = createChatSession({ strapiUrl: STRAPI, jwt: JWT, fetch });
    const error = await session.embed(room(), 1).catch((e: IflychatKitError) => e);
    expect(error).toBeInstanceOf(IflychatKitError);
    expect((error as IflychatKitError).kind).toBe('unsafe-script');
    expect(scripts()).toEqual([]);
    expect(embeds()).toEqual([]);
    expect(win().iflychat_auth_token).toBeUndefined();
  });

  it('loads from a host the page allows in code (http only on this machine)', async () => {
    const local = 'http://127.0.0.1:4010/js/iflychat-v2.min.js?app_id=app-1';
    const { fetch } = fakeFetch([tokenAnswer('t1', undefined, local)]);
    const session = createChatSession({
      strapiUrl: STRAPI,
      jwt: JWT,
      fetch,
      allowedScriptHosts: ['127.0.0.1:4010'],
    });
    await session.start();
    expect(scripts()[0].src).toBe(local);
    expect(win().iflychat_external_cdn_host).toBe('127.0.0.1:4010');
    expect(() =>
      createChatSession({
        strapiUrl: STRAPI,
        scriptUrl: 'http://chat.example.com/w.js',
        allowedScriptHosts: ['chat.example.com'],
      })
    ).toThrow(/https only/);
  });
});

describe('loadIflychat (one room at a time, as before)', () => {
  it('shares the page session: a second room with the same user asks for nothing', async () => {
    const { fetch, calls } = fakeFetch([tokenAnswer('t1')]);
    const session = await loadIflychat({ strapiUrl: STRAPI, jwt: JWT, fetch });
    const again = await loadIflychat({ strapiUrl: STRAPI, jwt: JWT, fetch });
    expect(again).toBe(session);
    expect(calls).toHaveLength(1);
    expect(scripts()).toHaveLength(1);
    session.stop();
    again.stop();
  });

  it.each([
    [401, 'unauthorized', undefined],
    [403, 'forbidden', undefined],
    [429, 'rate-limited', 12],
    [502, 'refused', undefined],
    [503, 'unavailable', 30],
  ])('rejects %i with a typed %s error', async (status, kind, retryAfter) => {
    const { fetch } = fakeFetch([
      {
        status,
        body: { data: null, error: { status, message: `nope ${status}` } },
        retryAfter: retryAfter === undefined ? undefined : String(retryAfter),
      },
    ]);
    const error = await loadIflychat({ strapiUrl: STRAPI, jwt: JWT, fetch }).catch((e) => e);
    expect(error).toBeInstanceOf(IflychatKitError);
    expect([error.kind, error.status, error.retryAfterSeconds, error.message]).toEqual([
      kind,
      status,
      retryAfter,
      `nope ${status}`,
    ]);
    expect(scripts()).toHaveLength(0);
  });

  it('rejects when Strapi cannot be reached or the script cannot load', async () => {
    const offline = await loadIflychat({ strapiUrl: STRAPI, jwt: JWT, fetch: fakeFetch([]).fetch })
      .then(() => null)
      .catch((e: IflychatKitError) => [e.kind, e.status]);
    expect(offline).toEqual(['network', 0]);
    failScript = true;
    const blocked = await loadIflychat({
      strapiUrl: STRAPI,
      jwt: 'ddd.eee.fff',
      fetch: fakeFetch([tokenAnswer('t1')]).fetch,
    }).catch((e: IflychatKitError) => e.kind);
    expect(blocked).toBe('network');
  });

  it.each([
    [undefined, /options object/],
    [{ strapiUrl: 'cms.example.com' }, /strapiUrl must be an http\(s\) URL/],
    [{ strapiUrl: 'javascript:alert(1)' }, /strapiUrl/],
    [{ strapiUrl: STRAPI, jwt: 'not a jwt' }, /jwt must be/],
    [{ strapiUrl: STRAPI, fetch: 'yes' }, /fetch must be a function/],
    [{ strapiUrl: STRAPI, getToken: 'yes' }, /getToken must be a function/],
    [{ strapiUrl: STRAPI, allowedScriptHosts: 'evil.example' }, /allowedScriptHosts must be/],
    [{ getToken: () => Promise.resolve(null), strapiUrl: 'ftp://x' }, /strapiUrl/],
  ])('checks its arguments: %j', async (options, message) => {
    await expect(loadIflychat(options as never)).rejects.toThrow(TypeError);
    await expect(loadIflychat(options as never)).rejects.toThrow(message);
  });

  it('refuses a scriptUrl given in code on a host it does not allow', async () => {
    const error = await loadIflychat({ strapiUrl: STRAPI, scriptUrl: 'https://evil.example/w.js' })
      .then(() => null)
      .catch((e: IflychatKitError) => e.kind);
    expect(error).toBe('unsafe-script');
  });
});

describe('getChatToken (on a server)', () => {
  it("asks Strapi with the user's JWT and answers the token's fields only", async () => {
    delete scope.document;
    delete scope.window;
    const { fetch, calls } = fakeFetch([
      { status: 200, body: { data: { ...chatToken('t1'), extra: 'x' } } },
    ]);
    const token = await getChatToken({ strapiUrl: STRAPI, jwt: JWT, fetch });
    expect(Object.keys(token).sort()).toEqual([
      'appId',
      'expiresAt',
      'scriptUrl',
      'token',
      'userId',
    ]);
    expect(token.token).toBe('t1');
    expect(methods(calls)).toEqual([`POST ${STRAPI}/api/iflychat/token`]);
    expect(calls[0].headers.Authorization).toBe(`Bearer ${JWT}`);
  });

  it('rejects a missing JWT, a refusal and an answer without a token', async () => {
    await expect(getChatToken({ strapiUrl: STRAPI } as never)).rejects.toThrow(/jwt/);
    const refused = fakeFetch([{ status: 403, body: { error: { message: 'no' } } }]).fetch;
    await expect(
      getChatToken({ strapiUrl: STRAPI, jwt: JWT, fetch: refused })
    ).rejects.toMatchObject({ kind: 'forbidden', status: 403 });
    const empty = fakeFetch([{ status: 200, body: { data: { appId: 'a' } } }]).fetch;
    await expect(getChatToken({ strapiUrl: STRAPI, jwt: JWT, fetch: empty })).rejects.toMatchObject(
      { kind: 'invalid-answer', message: 'the token answer has no token' }
    );
  });
});

describe('embedRoom', () => {
  it("renders iFlyChat's embed element, replacing what the element held", () => {
    const host = new FakeElement('section');
    host.appendChild(new FakeElement('p'));
    const embed = embedRoom(host, 42, { height: 400 }) as unknown as FakeElement;
    expect(host.children).toEqual([embed]);
    expect(embed.tag).toBe('div');
    expect(embed.className).toBe('iflychat-embed');
    expect(Object.fromEntries(embed.attributes)).toEqual({
      'data-room-id': '42',
      'data-height': '400px',
      'data-width': '100%',
    });
    embedRoom(host, '9007199254740993', { width: '50%' });
    expect(host.children[0].attributes.get('data-room-id')).toBe('9007199254740993');
  });

  it('renders nothing for a room that is not made yet', () => {
    const host = new FakeElement('section');
    host.appendChild(new FakeElement('p'));
    expect(embedRoom(host as never, null)).toBeNull();
    expect(host.children).toEqual([]);
  });

  it.each([[0], [-3], [1.5], ['12a'], ['012'], [' 7'], [{}], [Number.MAX_SAFE_INTEGER + 2]])(
    'throws a TypeError for the room id %j',
    (roomId) => {
      expect(() => embedRoom(new FakeElement('div') as never, roomId as never)).toThrow(TypeError);
      expect(() => checkRoomId(roomId)).toThrow(/roomId must be a positive integer/);
    }
  );

  it('checks the element and the sizes', () => {
    expect(() => embedRoom(null as never, 1)).toThrow(TypeError);
    expect(() => embedRoom(new FakeElement('div') as never, 1, { height: '600px;x' })).toThrow(
      /height must be a CSS length/
    );
    expect(() => embedRoom(new FakeElement('div') as never, 1, { width: -1 })).toThrow(
      /width must be/
    );
  });

  it('derives the CDN host from the script', () => {
    expect(cdnHost('//cdn.iflychat.com/js/iflychat-v2.min.js')).toBe('cdn.iflychat.com');
    expect(cdnHost('https://cdn.example.com:8443/x.js')).toBe('cdn.example.com:8443');
  });
});

describe('iflychat-strapi-kit/react', () => {
  it('renders on a server without touching the document or the network', async () => {
    const { createElement } = await import('react');
    const { renderToString } = await import('react-dom/server');
    const { IflychatRoom } = await import('../../packages/kit/src/react');
    delete scope.document;
    const fetch = jest.fn();
    const html = renderToString(
      createElement(IflychatRoom, {
        roomId: 5,
        strapiUrl: STRAPI,
        jwt: JWT,
        fetch,
        className: 'chat',
      })
    );
    expect(html).toBe('<div class="chat"></div>');
    expect(fetch).not.toHaveBeenCalled();
  });

  it('renders a provider and its rooms on a server without a request', async () => {
    const { createElement } = await import('react');
    const { renderToString } = await import('react-dom/server');
    const { IflychatProvider, IflychatRoom } = await import('../../packages/kit/src/react');
    delete scope.document;
    const fetch = jest.fn();
    const html = renderToString(
      createElement(
        IflychatProvider,
        { strapiUrl: STRAPI, jwt: JWT, fetch },
        createElement(IflychatRoom, { roomId: 5 }),
        createElement(IflychatRoom, { roomId: 6 })
      )
    );
    expect(html).toBe('<div></div><div></div>');
    expect(fetch).not.toHaveBeenCalled();
  });

  it('renders the popup on a server as nothing, without a request', async () => {
    const { createElement } = await import('react');
    const { renderToString } = await import('react-dom/server');
    const { IflychatProvider, IflychatPopup } = await import('../../packages/kit/src/react');
    delete scope.document;
    const fetch = jest.fn();
    const html = renderToString(
      createElement(
        IflychatProvider,
        { strapiUrl: STRAPI, jwt: JWT, fetch },
        createElement(IflychatPopup)
      )
    );
    expect(html).toBe('');
    expect(fetch).not.toHaveBeenCalled();
  });
});
