import type { Core } from '@strapi/strapi';

import { PLUGIN_ID } from './utils/get-service';

/**
 * The plugin's RBAC actions, shown under Settings → Roles → Plugins → iFlyChat. Their full ids
 * are `plugin::iflychat.<uid>` (see PERMISSIONS in contracts/settings.ts).
 */
export const ACTIONS = [
  { uid: 'settings.read', displayName: 'Read settings', subCategory: 'settings' },
  { uid: 'settings.update', displayName: 'Edit settings', subCategory: 'settings' },
  { uid: 'rooms.manage', displayName: 'Manage rooms', subCategory: 'rooms' },
  { uid: 'rooms.read', displayName: 'See the Rooms page', subCategory: 'rooms' },
  // Linking an entry to a room it never had takes that room over (its history, its members):
  // an administrator's decision, not an editor's. Strapi gives it to the Super Admin only.
  { uid: 'rooms.link-any', displayName: 'Link any room to an entry', subCategory: 'rooms' },
  // Who is online, kick, ban, banned IPs, room history, transcripts and the moderation log.
  { uid: 'chat.moderate', displayName: 'Moderate the chat', subCategory: 'chat' },
].map((action) => ({ ...action, section: 'plugins', pluginName: PLUGIN_ID }));

export async function registerPermissions(strapi: Core.Strapi): Promise<void> {
  const permissions = strapi.service('admin::permission') as {
    actionProvider: { registerMany(actions: typeof ACTIONS): Promise<void> };
  };
  await permissions.actionProvider.registerMany(ACTIONS);
}
