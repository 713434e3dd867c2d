import { bindingSchema, isRoleId } from '../../contracts/config';
import {
  memberRoomRole,
  renderRoomName,
  resolveRoomParams,
  lookupRoleId,
  MAX_ROOM_NAME_LENGTH,
} from '../../server/src/rooms/params';

const binding = (input: Record<string, unknown>) =>
  bindingSchema.parse({ roomName: '{name}', roomIdField: 'roomId', ...input });
const roleMap = { public: '1', authenticated: '2' };

describe('room name', () => {
  it('fills placeholders and collapses whitespace', () => {
    expect(
      renderRoomName('{name} ({locale})', { documentId: 'd', name: ' Hikers  club ', locale: 'fr' })
    ).toBe('Hikers club (fr)');
  });

  it('cuts very long names', () => {
    const name = renderRoomName('{name}', { documentId: 'd', name: 'x'.repeat(400) });
    expect(name).toHaveLength(MAX_ROOM_NAME_LENGTH);
    expect(name.endsWith('…')).toBe(true);
  });

  it('an empty name is a failure with the template named', () => {
    expect(resolveRoomParams(binding({}), { documentId: 'd', name: '  ' }, roleMap)).toEqual({
      ok: false,
      reason: 'the room name template "{name}" gives an empty name for this entry',
    });
  });
});

describe('room role', () => {
  const entry = { documentId: 'd', name: 'Room' };

  it('everyone is role 0', () => {
    expect(resolveRoomParams(binding({}), entry, roleMap)).toEqual({
      ok: true,
      params: { name: 'Room', role: '0', private: false, moderate: false },
    });
  });

  it('a fixed role goes through the role map', () => {
    const result = resolveRoomParams(
      binding({ roomRole: { role: 'authenticated' } }),
      entry,
      roleMap
    );
    expect(result).toMatchObject({ ok: true, params: { role: '2' } });
  });

  it('a role relation, an enumeration or a string field', () => {
    const fromField = binding({ roomRole: { field: 'audience' } });
    expect(
      resolveRoomParams(fromField, { ...entry, audience: { id: 1, type: 'public' } }, roleMap)
    ).toMatchObject({
      params: { role: '1' },
    });
    expect(
      resolveRoomParams(fromField, { ...entry, audience: 'authenticated' }, roleMap)
    ).toMatchObject({
      params: { role: '2' },
    });
  });

  it('an unmapped or empty role never widens to everyone', () => {
    const fromField = binding({ roomRole: { field: 'audience' } });
    expect(resolveRoomParams(fromField, { ...entry, audience: 'editors' }, roleMap)).toEqual({
      ok: false,
      reason: 'the role "editors" has no iFlyChat role id in roleMap',
    });
    expect(resolveRoomParams(fromField, { ...entry, audience: null }, roleMap)).toEqual({
      ok: false,
      reason: 'the role field "audience" is empty, so the room\'s audience is unknown',
    });
    expect(
      resolveRoomParams(binding({ roomRole: { role: 'staff' } }), entry, roleMap)
    ).toMatchObject({ ok: false, reason: 'the role "staff" has no iFlyChat role id in roleMap' });
  });
});

describe('flags', () => {
  it('fixed or read from boolean fields', () => {
    const result = resolveRoomParams(
      binding({ private: { field: 'isPrivate' }, moderate: true }),
      { documentId: 'd', name: 'Room', isPrivate: true },
      roleMap
    );
    expect(result).toMatchObject({ ok: true, params: { private: true, moderate: true } });
    const off = resolveRoomParams(
      binding({ private: { field: 'isPrivate' } }),
      { documentId: 'd', name: 'Room', isPrivate: null },
      roleMap
    );
    expect(off).toMatchObject({ ok: true, params: { private: false } });
  });
});

describe('role lookups cannot be fooled by Object.prototype', () => {
  const fromField = binding({ roomRole: { field: 'audience' } });
  const names = ['constructor', 'toString', 'hasOwnProperty', '__proto__'];

  it.each(names)('a role field holding "%s" is an unmapped role', (name) => {
    expect(
      resolveRoomParams(fromField, { documentId: 'd', name: 'Room', audience: name }, roleMap)
    ).toEqual({
      ok: false,
      reason: `the role "${name}" has no iFlyChat role id in roleMap`,
    });
    expect(lookupRoleId(roleMap, name)).toBeUndefined();
  });

  it.each(names)('a fixed role "%s" is an unmapped role too', (name) => {
    expect(
      resolveRoomParams(
        binding({ roomRole: { role: name } }),
        { documentId: 'd', name: 'Room' },
        roleMap
      )
    ).toMatchObject({ ok: false });
  });

  it('a relation to a role whose type is "__proto__" is an unmapped role', () => {
    expect(
      resolveRoomParams(
        fromField,
        { documentId: 'd', name: 'Room', audience: { type: '__proto__' } },
        roleMap
      )
    ).toMatchObject({ ok: false });
  });

  it('a role id that is not in the role map format is never sent', () => {
    const odd = Object.assign(Object.create(null) as Record<string, string>, {
      authenticated: '2&room_private=0',
    });
    expect(
      resolveRoomParams(
        fromField,
        { documentId: 'd', name: 'Room', audience: 'authenticated' },
        odd
      )
    ).toEqual({
      ok: false,
      reason: 'the iFlyChat role id mapped to "authenticated" is not a valid role id',
    });
  });

  it('a mapped role type that is really in the map still works', () => {
    const map = JSON.parse('{"constructor":"7","__proto__":"8"}') as Record<string, string>;
    expect(lookupRoleId(map, 'constructor')).toBe('7');
    expect(lookupRoleId(map, '__proto__')).toBe('8');
  });
});

describe('members-only rooms', () => {
  const members = (roomPer: 'document' | 'locale') =>
    binding({ roomRole: { members: 'members' }, roomPer });

  it('each entry gets a room role of its own, stable, valid and outside the role map', () => {
    const one = resolveRoomParams(members('document'), { documentId: 'doc1', name: 'A' }, roleMap);
    const again = resolveRoomParams(
      members('document'),
      { documentId: 'doc1', name: 'B' },
      roleMap
    );
    const other = resolveRoomParams(
      members('document'),
      { documentId: 'doc2', name: 'A' },
      roleMap
    );
    if (!one.ok || !again.ok || !other.ok) throw new Error('expected room params');
    expect(one.params.role).toMatch(/^member-[0-9a-f]{32}$/);
    expect(isRoleId(one.params.role)).toBe(true);
    expect(again.params.role).toBe(one.params.role);
    expect(other.params.role).not.toBe(one.params.role);
    expect(Object.values(roleMap)).not.toContain(one.params.role);
    expect(one.params.role).toBe(memberRoomRole('doc1', '*'));
  });

  it('one room per document shares the role across locales; one per locale does not', () => {
    const role = (roomPer: 'document' | 'locale', locale: string) => {
      const result = resolveRoomParams(
        members(roomPer),
        { documentId: 'd', name: 'A', locale },
        roleMap
      );
      return result.ok ? result.params.role : result.reason;
    };
    expect(role('document', 'en')).toBe(role('document', 'fr'));
    expect(role('locale', 'en')).not.toBe(role('locale', 'fr'));
    expect(role('locale', 'fr')).toBe(memberRoomRole('d', 'fr'));
  });
});
