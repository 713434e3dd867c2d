/**
 * The pure parts of members-only rooms: which bindings have them, which user attributes are the
 * other side of their relation, and the log line of the rooms a token leaves out.
 */
import { bindingSchema } from '../../contracts/config';
import { inverseMemberAttributes } from '../../server/src/tokens/member-changes';
import { leftOutMessage, membersBindings } from '../../server/src/tokens/members';

const binding = (roomRole: unknown) =>
  bindingSchema.parse({ roomName: '{name}', roomIdField: 'roomId', roomRole });

const contentTypes = {
  'api::community.community': binding({ members: 'members', alsoRole: 'staff' }),
  'api::topic.topic': binding({ field: 'audience' }),
  'api::club.club': binding({ members: 'people' }),
};

it('lists only the bindings with members-only rooms, with their relation', () => {
  expect(
    membersBindings(contentTypes).map(({ uid, source }) => [uid, source.members, source.alsoRole])
  ).toEqual([
    ['api::community.community', 'members', 'staff'],
    ['api::club.club', 'people', undefined],
  ]);
  expect(membersBindings({})).toEqual([]);
});

it('finds the user attributes that are the other side of a members relation', () => {
  const userModel = {
    uid: 'plugin::users-permissions.user',
    attributes: {
      username: { type: 'string' },
      communities: {
        type: 'relation',
        relation: 'manyToMany',
        target: 'api::community.community',
        mappedBy: 'members',
      },
      // The same target, another relation: not the members'.
      moderated: {
        type: 'relation',
        relation: 'manyToMany',
        target: 'api::community.community',
        mappedBy: 'moderators',
      },
      clubs: {
        type: 'relation',
        relation: 'manyToMany',
        target: 'api::club.club',
        inversedBy: 'people',
      },
      topics: {
        type: 'relation',
        relation: 'manyToMany',
        target: 'api::topic.topic',
        mappedBy: 'audience',
      },
    },
  };
  expect(inverseMemberAttributes(userModel, contentTypes)).toEqual(['communities', 'clubs']);
  expect(inverseMemberAttributes(undefined, contentTypes)).toEqual([]);
});

it('names up to 20 rooms left out past the cap, then says there are more', () => {
  const rooms = Array.from({ length: 22 }, (_, i) => ({
    role: `member-${i}`,
    name: `Room ${i}`,
    contentType: 'api::community.community',
    documentId: `doc${i}`,
  }));
  const few = leftOutMessage(7, 500, rooms.slice(0, 2));
  expect(few).toBe(
    '[iflychat] user 7 may enter more than 500 members-only rooms (memberRoomsPerToken): their chat token leaves out "Room 0" (api::community.community doc0), "Room 1" (api::community.community doc1)'
  );
  const many = leftOutMessage(7, 500, rooms);
  expect(many).toContain('"Room 19"');
  expect(many).not.toContain('"Room 20"');
  expect(many.endsWith(' and more')).toBe(true);
});
