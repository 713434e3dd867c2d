/**
 * `banBlockedUsers` (config/plugins.ts): blocking a Users & Permissions user bans them in
 * iFlyChat, unblocking unbans them. Called by the users watcher of tokens/lifecycle.ts once the
 * change has committed, and never awaited by the save: a slow or failing iFlyChat does not hold
 * or break saving the user. A failure is logged in the plugin's words and written to the
 * moderation log.
 */
import type { Core } from '@strapi/strapi';

import { getService } from '../utils/get-service';
import { describe } from '../utils/errors';

/** Who the moderation log names for these bans. */
export const BLOCK_SYNC_ACTOR = { id: null, name: 'Users & Permissions: user blocked' };
const UNBLOCK_ACTOR = { id: null, name: 'Users & Permissions: user unblocked' };

export async function syncBlocked(
  strapi: Core.Strapi,
  accountId: number | string,
  blocked: boolean
): Promise<void> {
  try {
    const settings = await getService(strapi, 'settings').get();
    if (!settings.banBlockedUsers) return;
    const userId = `${settings.userIdPrefix}${String(accountId)}`;
    const moderation = getService(strapi, 'moderation');
    if (blocked) await moderation.ban(BLOCK_SYNC_ACTOR, { userId }, false);
    else await moderation.unban(UNBLOCK_ACTOR, userId);
  } catch (error) {
    strapi.log.warn(
      `[iflychat] could not ${blocked ? 'ban' : 'unban'} site user ${String(accountId)} in iFlyChat after ${
        blocked ? 'blocking' : 'unblocking'
      }: ${describe(error)}`
    );
  }
}
