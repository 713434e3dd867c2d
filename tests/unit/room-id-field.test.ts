import {
  applyRoomIdFields,
  plan,
  type ContentManagerViews,
  type HeldField,
  type HeldStore,
} from '../../server/src/content-manager/room-id-field';

type Configuration = Awaited<ReturnType<ContentManagerViews['read']>>;

/** Content Manager view configurations and the plugin store, in memory. */
function site(fields: Record<string, Record<string, boolean>>) {
  const configurations = new Map<string, Configuration>();
  for (const [uid, editable] of Object.entries(fields)) {
    configurations.set(uid, {
      settings: { pageSize: 10 },
      layouts: { edit: [] },
      metadatas: Object.fromEntries(
        Object.entries(editable).map(([field, value]) => [
          field,
          { edit: { label: field, editable: value }, list: { label: field } },
        ])
      ),
    });
  }
  let held = new Map<string, HeldField>();
  const writes: string[] = [];
  const views: ContentManagerViews = {
    read: (uid) => Promise.resolve(structuredClone(configurations.get(uid)!)),
    write: (uid, configuration) => {
      writes.push(uid);
      configurations.set(uid, structuredClone(configuration));
      return Promise.resolve();
    },
  };
  const store: HeldStore = {
    read: () => Promise.resolve(new Map(held)),
    write: (next) => {
      held = new Map(next);
      return Promise.resolve();
    },
  };
  const editable = (uid: string, field: string) =>
    configurations.get(uid)!.metadatas[field].edit?.editable;
  return {
    views,
    store,
    writes,
    editable,
    held: () => held,
    configuration: (uid: string) => configurations.get(uid)!,
    apply: (bindings: Record<string, string>) =>
      applyRoomIdFields(new Map(Object.entries(bindings)), views, store, (uid) =>
        configurations.has(uid)
      ),
  };
}

describe('plan', () => {
  it('holds new bindings, releases gone ones and ones that moved to another field', () => {
    const held = new Map<string, HeldField>([
      ['api::a.a', { field: 'roomId', editable: true }],
      ['api::b.b', { field: 'roomId', editable: false }],
      ['api::c.c', { field: 'oldRoom', editable: true }],
    ]);
    const bindings = new Map([
      ['api::a.a', 'roomId'],
      ['api::c.c', 'roomId'],
      ['api::d.d', 'chatRoom'],
    ]);
    expect(plan(bindings, held)).toEqual({
      release: [
        ['api::b.b', { field: 'roomId', editable: false }],
        ['api::c.c', { field: 'oldRoom', editable: true }],
      ],
      hold: [
        ['api::c.c', 'roomId'],
        ['api::d.d', 'chatRoom'],
      ],
    });
  });
});

describe('applyRoomIdFields', () => {
  it('makes a bound field read-only and gives back what it was when the binding goes', async () => {
    const s = site({ 'api::a.a': { name: true, roomId: true } });
    await s.apply({ 'api::a.a': 'roomId' });
    expect(s.editable('api::a.a', 'roomId')).toBe(false);
    expect(s.editable('api::a.a', 'name')).toBe(true);
    expect(s.held().get('api::a.a')).toEqual({ field: 'roomId', editable: true });
    // The rest of the configuration is kept as it was.
    expect(s.configuration('api::a.a').settings).toEqual({ pageSize: 10 });
    expect(s.configuration('api::a.a').metadatas.roomId.edit?.label).toBe('roomId');

    await s.apply({});
    expect(s.editable('api::a.a', 'roomId')).toBe(true);
    expect(s.held().size).toBe(0);
  });

  it('restores a field that was already read-only before the binding as read-only', async () => {
    const s = site({ 'api::a.a': { roomId: false } });
    await s.apply({ 'api::a.a': 'roomId' });
    expect(s.held().get('api::a.a')).toEqual({ field: 'roomId', editable: false });
    await s.apply({});
    expect(s.editable('api::a.a', 'roomId')).toBe(false);
  });

  it('follows a binding that moves to another field', async () => {
    const s = site({ 'api::a.a': { roomId: true, chatRoom: true } });
    await s.apply({ 'api::a.a': 'roomId' });
    await s.apply({ 'api::a.a': 'chatRoom' });
    expect(s.editable('api::a.a', 'roomId')).toBe(true);
    expect(s.editable('api::a.a', 'chatRoom')).toBe(false);
    expect(s.held().get('api::a.a')).toEqual({ field: 'chatRoom', editable: true });
  });

  it('writes nothing when nothing changed, and locks again a field made editable by hand', async () => {
    const s = site({ 'api::a.a': { roomId: true } });
    await s.apply({ 'api::a.a': 'roomId' });
    s.writes.length = 0;
    await s.apply({ 'api::a.a': 'roomId' });
    expect(s.writes).toEqual([]);

    await s.views.write('api::a.a', {
      ...s.configuration('api::a.a'),
      metadatas: { roomId: { edit: { editable: true } } },
    });
    await s.apply({ 'api::a.a': 'roomId' });
    expect(s.editable('api::a.a', 'roomId')).toBe(false);
    // What it was before the binding is still what comes back.
    await s.apply({});
    expect(s.editable('api::a.a', 'roomId')).toBe(true);
  });

  it('keeps what another instance recorded first', async () => {
    const s = site({ 'api::a.a': { roomId: true } });
    // Another instance recorded the field (as editable) and locked it between our two reads.
    const read = s.store.read.bind(s.store);
    let calls = 0;
    s.store.read = async () => {
      calls += 1;
      if (calls === 2) {
        await s.store.write(new Map([['api::a.a', { field: 'roomId', editable: true }]]));
      }
      return read();
    };
    await s.views.write('api::a.a', {
      ...s.configuration('api::a.a'),
      metadatas: { roomId: { edit: { editable: false } } },
    });
    await s.apply({ 'api::a.a': 'roomId' });
    expect(s.held().get('api::a.a')).toEqual({ field: 'roomId', editable: true });
  });

  it('forgets a held field of a content type that no longer exists', async () => {
    const s = site({ 'api::a.a': { roomId: true } });
    await s.apply({ 'api::a.a': 'roomId', 'api::gone.gone': 'roomId' });
    expect(s.held().has('api::gone.gone')).toBe(false);
    await s.store.write(new Map([['api::gone.gone', { field: 'roomId', editable: true }]]));
    await s.apply({});
    expect(s.held().size).toBe(0);
    expect(s.writes).not.toContain('api::gone.gone');
  });
});
