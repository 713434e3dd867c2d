/**
 * The playground's users carry what a site shows of them in the chat: an avatar (a single
 * image) and a switch that makes them a chat moderator (Settings → iFlyChat → Site users).
 */
interface UsersPermissionsPlugin {
  contentTypes: { user: { schema: { attributes: Record<string, unknown> } } };
}

export default (plugin: UsersPermissionsPlugin) => {
  Object.assign(plugin.contentTypes.user.schema.attributes, {
    avatar: { type: 'media', multiple: false, allowedTypes: ['images'] },
    chatModerator: { type: 'boolean', default: false },
  });
  return plugin;
};
