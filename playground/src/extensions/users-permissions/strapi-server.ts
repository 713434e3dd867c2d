/**
 * The playground's users carry what a site shows of them in the chat: an avatar (a single
 * image) and a switch that makes them a chat moderator (Settings → iFlyChat → Site users); and
 * the other side of a Community's `members`: a user's `communities`, so membership can be
 * changed from the user too (the Content Manager's user view, `PUT /api/users/:id`).
 */
interface UsersPermissionsPlugin {
  contentTypes: { user: { schema: { attributes: Record<string, unknown> } } };
}

export default (plugin: UsersPermissionsPlugin) => {
  Object.assign(plugin.contentTypes.user.schema.attributes, {
    avatar: { type: 'media', multiple: false, allowedTypes: ['images'] },
    chatModerator: { type: 'boolean', default: false },
    communities: {
      type: 'relation',
      relation: 'manyToMany',
      target: 'api::community.community',
      mappedBy: 'members',
    },
    // The same on Group, which has Community's shape without being bound (what the publish
    // benchmark compares against).
    groups: {
      type: 'relation',
      relation: 'manyToMany',
      target: 'api::group.group',
      mappedBy: 'members',
    },
  });
  return plugin;
};
