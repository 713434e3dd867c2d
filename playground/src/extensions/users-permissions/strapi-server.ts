/**
 * The other side of a Community's `members`: a user's `communities`, so membership can be
 * changed from the user too (the Content Manager's user view, `PUT /api/users/:id`).
 */
interface UsersPermissionsPlugin {
  contentTypes: { user: { schema: { attributes: Record<string, unknown> } } };
}

export default (plugin: UsersPermissionsPlugin) => {
  plugin.contentTypes.user.schema.attributes.communities = {
    type: 'relation',
    relation: 'manyToMany',
    target: 'api::community.community',
    mappedBy: 'members',
  };
  return plugin;
};
