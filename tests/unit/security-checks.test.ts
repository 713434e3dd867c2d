/** The pure checks behind the plugin's trust boundaries (see the README's Security section). */
import { validateBinding } from '../../server/src/config/bindings';
import { redactSecret, sanitizeReason } from '../../server/src/utils/sanitize';
import {
  baseUrlProblem,
  bindingSchema,
  isLoopbackHost,
  isRoleId,
  normalizeBaseUrl,
  pluginConfigSchema,
} from '../../contracts/config';

describe('base URLs', () => {
  it('https anywhere, plain http only on loopback', () => {
    expect(baseUrlProblem('https://api.iflychat.com')).toBeNull();
    expect(baseUrlProblem('https://api2.iflychat.com/some/prefix')).toBeNull();
    expect(baseUrlProblem('http://127.0.0.1:4010')).toBeNull();
    expect(baseUrlProblem('http://127.8.9.10')).toBeNull();
    expect(baseUrlProblem('http://localhost:4010')).toBeNull();
    expect(baseUrlProblem('http://[::1]:4010')).toBeNull();
    for (const url of [
      'http://api.iflychat.com',
      'http://10.0.0.1',
      'http://127.0.0.1.example.com',
      'http://localhost.example.com',
      'http://[::ffff:10.0.0.1]',
      'ftp://127.0.0.1',
      'file:///etc/passwd',
      'nope',
    ]) {
      expect([url, baseUrlProblem(url)]).toEqual([url, expect.stringContaining('https URL')]);
    }
  });

  it('no credentials, query string or fragment', () => {
    expect(baseUrlProblem('https://a:b@api.iflychat.com')).toMatch(/user name or password/);
    expect(baseUrlProblem('https://api.iflychat.com/?x=')).toMatch(/query string/);
    expect(baseUrlProblem('https://api.iflychat.com/?')).toMatch(/query string/);
    expect(baseUrlProblem('https://api.iflychat.com#')).toMatch(/fragment/);
  });

  it('loopback hosts', () => {
    expect(isLoopbackHost('LOCALHOST')).toBe(true);
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('127.0.0.256')).toBe(false);
    expect(isLoopbackHost('128.0.0.1')).toBe(false);
  });

  it('is compared without trailing slashes, in the config file as on the page', () => {
    expect(normalizeBaseUrl(' https://api.iflychat.com// ')).toBe('https://api.iflychat.com');
    expect(pluginConfigSchema.parse({ baseUrl: 'https://api2.iflychat.com/' }).baseUrl).toBe(
      'https://api2.iflychat.com'
    );
    expect(pluginConfigSchema.safeParse({ baseUrl: 'http://api.iflychat.com' }).success).toBe(
      false
    );
  });
});

describe('role ids', () => {
  it('the role map accepts role ids only, in the config file as on the page', () => {
    expect(
      pluginConfigSchema.parse({ roleMap: { public: 1, staff: 'site_staff.v2' } }).roleMap
    ).toEqual({
      public: '1',
      staff: 'site_staff.v2',
    });
    for (const bad of ['2&room_private=0', 'a b', 'x'.repeat(65)]) {
      expect([bad, pluginConfigSchema.safeParse({ roleMap: { public: bad } }).success]).toEqual([
        bad,
        false,
      ]);
    }
    expect(isRoleId('0')).toBe(true);
    expect(isRoleId(undefined)).toBe(false);
    expect(isRoleId(() => '1')).toBe(false);
  });
});

describe('the room id field of a binding', () => {
  const model = {
    uid: 'api::a.a',
    options: { draftAndPublish: true },
    attributes: {
      name: { type: 'string' },
      roomId: { type: 'biginteger' },
      locale: { type: 'string', configurable: false },
      documentId: { type: 'string' },
      createdBy: { type: 'relation', relation: 'oneToOne', target: 'admin::user' },
      owner: { type: 'relation', relation: 'manyToOne', target: 'api::b.b' },
    },
  };
  const check = (roomIdField: string, uid = 'api::a.a', roomName = '{name}') =>
    validateBinding(uid, bindingSchema.parse({ roomName, roomIdField }), {
      ...model,
      uid,
    });

  it('may be a string, integer or biginteger attribute of the type', () => {
    expect(check('roomId')).toEqual([]);
    expect(check('name', 'api::a.a', '{documentId}')).toEqual([]);
  });

  it('may not be an attribute the binding reads: the room id would overwrite it', () => {
    expect(check('name')).toEqual([
      {
        path: ['contentTypes', 'api::a.a', 'roomIdField'],
        message: expect.stringContaining('"name" is used in the room name ({name})'),
      },
    ]);
  });

  it.each(['locale', 'documentId', 'createdBy'])('may not be the system attribute %s', (field) => {
    expect(check(field)).toEqual([
      {
        path: ['contentTypes', 'api::a.a', 'roomIdField'],
        message: `"${field}" is managed by Strapi and cannot receive the room id`,
      },
    ]);
  });

  it('may not be a relation, nor a name from Object.prototype', () => {
    expect(check('owner')[0].message).toMatch(/is a relation attribute/);
    expect(check('constructor')[0].message).toMatch(/is not an attribute/);
    expect(check('__proto__')[0].message).toMatch(/is not an attribute/);
  });

  it('only api:: content types can be bound', () => {
    expect(check('roomId', 'plugin::x.a')).toEqual([
      {
        path: ['contentTypes', 'plugin::x.a'],
        message: "only the site's own api:: content types can be bound",
      },
    ]);
  });
});

describe('redaction and stored reasons', () => {
  const key = 'k€y/with spaces+"quotes"&more';

  it('redacts the key as is, URL-encoded both ways and JSON-escaped', () => {
    const forms = [
      key,
      encodeURIComponent(key),
      new URLSearchParams({ k: key }).toString().slice(2),
      JSON.stringify(key).slice(1, -1),
      JSON.stringify(key).slice(1, -1).replace(/€/g, '\\u20ac'),
    ];
    for (const form of forms) {
      const text = `before ${form} after`;
      expect([form, redactSecret(text, key)]).toEqual([form, 'before [redacted] after']);
    }
    expect(redactSecret('nothing to hide', '')).toBe('nothing to hide');
  });

  it('lower-case percent escapes are redacted too', () => {
    const lower = encodeURIComponent(key).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase());
    expect(redactSecret(`x=${lower}`, key)).toBe('x=[redacted]');
  });

  it('strips control characters, separators and bidi overrides from reasons', () => {
    expect(sanitizeReason('ok\r\n[iflychat] forged line\u0000\u001b[31m red')).toBe(
      'ok [iflychat] forged line [31m red'
    );
    expect(sanitizeReason('a\u2028b\u202ec\u2066d\u0085e')).toBe('a b c d e');
    expect(sanitizeReason('  plain   text ')).toBe('plain text');
  });
});
