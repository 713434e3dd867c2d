/**
 * The front-end kit (strapi-plugin-iflychat/client) against a small stand-in for the browser's
 * document and a recorded fetch: argument checks, the globals iFlyChat reads, one script per
 * page, token renewal, and the typed errors.
 */
import {
  cdnHost,
  checkRoomId,
  embedRoom,
  IflychatKitError,
  loadIflychat,
  resetIflychatForTests,
  RENEW_BEFORE_MS,
} from '../../kit/src/client';

class FakeElement {
  readonly attributes = new Map<string, string>();
  children: FakeElement[] = [];
  className = '';
  src = '';
  async = false;
  private readonly listeners = new Map<string, Array<() => void>>();
  constructor(readonly tag: string) {}
  setAttribute(name: string, value: string) {
    this.attributes.set(name, value);
  }
  appendChild(child: FakeElement) {
    this.children.push(child);
    return child;
  }
  replaceChildren() {
    this.children = [];
  }
  addEventListener(type: string, listener: () => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  fire(type: string) {
    for (const listener of this.listeners.get(type) ?? []) listener();
  }
}

let scripts: FakeElement[];
let failScript: boolean;
const scope = globalThis as unknown as Record<string, unknown>;

beforeEach(() => {
  scripts = [];
  failScript = false;
  resetIflychatForTests();
  scope.window = {};
  scope.document = {
    createElement: (tag: string) => new FakeElement(tag),
    querySelector: (selector: string) =>
      selector === 'script[data-iflychat-widget]'
        ? (scripts.find((script) => script.attributes.has('data-iflychat-widget')) ?? null)
        : null,
    head: {
      appendChild(script: FakeElement) {
        scripts.push(script);
        setTimeout(() => script.fire(failScript ? 'error' : 'load'), 0);
      },
    },
  };
});

afterEach(() => {
  delete scope.window;
  delete scope.document;
  jest.useRealTimers();
});

const JWT = 'aaa.bbb.ccc';
const STRAPI = 'https://cms.example.com';

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

const tokenAnswer = (token: string, inMs = 3_600_000) => ({
  status: 200,
  body: {
    data: {
      token,
      expiresAt: new Date(Date.now() + inMs).toISOString(),
      appId: 'app-1',
      userId: 'strapi-1',
      scriptUrl: '//cdn.iflychat.com/js/iflychat-v2.min.js?app_id=app-1',
    },
  },
});

const win = () => scope.window as Record<string, unknown>;

describe('loadIflychat', () => {
  it('fetches the token, sets the globals and loads the script once per page', async () => {
    const { fetch, calls } = fakeFetch([tokenAnswer('t1'), tokenAnswer('t2')]);
    const session = await loadIflychat({ strapiUrl: `${STRAPI}/`, jwt: JWT, fetch });
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
    expect(scripts.map((script) => [script.src, script.async])).toEqual([
      ['//cdn.iflychat.com/js/iflychat-v2.min.js?app_id=app-1', true],
    ]);
    expect([session.token, session.userId, session.appId]).toEqual(['t1', 'strapi-1', 'app-1']);
    const again = await loadIflychat({ strapiUrl: STRAPI, jwt: JWT, fetch });
    expect(scripts).toHaveLength(1);
    expect(win().iflychat_auth_token).toBe('t2');
    session.stop();
    again.stop();
  });

  it('loads the public config for a guest, and a configured script instead', async () => {
    const { fetch, calls } = fakeFetch([
      { status: 200, body: { data: { appId: 'app-9', scriptUrl: '//cdn.iflychat.com/x.js' } } },
    ]);
    const session = await loadIflychat({
      strapiUrl: STRAPI,
      fetch,
      scriptUrl: 'http://127.0.0.1:4010/js/iflychat-v2.min.js?app_id=app-9',
    });
    expect(calls.map((call) => [call.method, call.url, call.headers.Authorization])).toEqual([
      ['GET', `${STRAPI}/api/iflychat/config`, undefined],
    ]);
    expect(win()).toEqual({
      iflychat_app_id: 'app-9',
      iflychat_external_cdn_host: '127.0.0.1:4010',
    });
    expect(session.token).toBeNull();
    expect(scripts[0].src).toBe('http://127.0.0.1:4010/js/iflychat-v2.min.js?app_id=app-9');
  });

  it('signOut stops renewing, forgets the token and asks the plugin to delete it', async () => {
    jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate'] });
    const { fetch, calls } = fakeFetch([
      tokenAnswer('t1', 10 * 60_000),
      { status: 204, body: null },
    ]);
    const loading = loadIflychat({ strapiUrl: STRAPI, jwt: JWT, fetch });
    await jest.advanceTimersByTimeAsync(1); // the script's load event
    const session = await loading;
    await session.signOut();
    expect(calls.map((call) => [call.method, call.url, call.headers.Authorization])).toEqual([
      ['POST', `${STRAPI}/api/iflychat/token`, `Bearer ${JWT}`],
      ['DELETE', `${STRAPI}/api/iflychat/token`, `Bearer ${JWT}`],
    ]);
    expect(win().iflychat_auth_token).toBeUndefined();
    await jest.advanceTimersByTimeAsync(20 * 60_000);
    expect(calls).toHaveLength(2); // no renewal after signing out
  });

  it('renews the token a minute before it expires', async () => {
    jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate'] });
    const { fetch, calls } = fakeFetch([tokenAnswer('t1', 10 * 60_000), tokenAnswer('t2')]);
    const loading = loadIflychat({ strapiUrl: STRAPI, jwt: JWT, fetch });
    await jest.advanceTimersByTimeAsync(1); // the script's load event
    const session = await loading;
    await jest.advanceTimersByTimeAsync(10 * 60_000 - RENEW_BEFORE_MS - 10);
    expect(calls).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(20);
    expect(calls).toHaveLength(2);
    expect(session.token).toBe('t2');
    expect(win().iflychat_auth_token).toBe('t2');
    session.stop();
  });

  it('refresh() gets a new token at once, shares one request, and renews from the new expiry', async () => {
    jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate'] });
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
    const loading = loadIflychat({ strapiUrl: STRAPI, jwt: JWT, fetch });
    await jest.advanceTimersByTimeAsync(1);
    const session = await loading;
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

  it("a guest's refresh() asks for nothing", async () => {
    const { fetch, calls } = fakeFetch([
      { status: 200, body: { data: { appId: 'app', scriptUrl: '//cdn.example.com/w.js' } } },
    ]);
    const loading = loadIflychat({ strapiUrl: STRAPI, fetch });
    const session = await loading;
    await session.refresh();
    expect(calls).toHaveLength(1);
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
    expect(scripts).toHaveLength(0);
  });

  it('rejects when Strapi cannot be reached or the script cannot load', async () => {
    const offline = await loadIflychat({ strapiUrl: STRAPI, jwt: JWT, fetch: fakeFetch([]).fetch })
      .then(() => null)
      .catch((e: IflychatKitError) => [e.kind, e.status]);
    expect(offline).toEqual(['network', 0]);
    failScript = true;
    const blocked = await loadIflychat({
      strapiUrl: STRAPI,
      jwt: JWT,
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
    [{ strapiUrl: STRAPI, scriptUrl: 'evil.js' }, /scriptUrl/],
  ])('checks its arguments: %j', async (options, message) => {
    await expect(loadIflychat(options as never)).rejects.toThrow(TypeError);
    await expect(loadIflychat(options as never)).rejects.toThrow(message);
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

describe('strapi-plugin-iflychat/react', () => {
  it('renders on a server without touching the document or the network', async () => {
    const { createElement } = await import('react');
    const { renderToString } = await import('react-dom/server');
    const { IflychatRoom } = await import('../../kit/src/react');
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
});
