import type { Core } from '@strapi/strapi';

import { syncRoomIdFields } from './content-manager/room-id-field';
import { registerRoomEvents } from './events/room-events';
import { registerPermissions } from './permissions';
import { subscribeUserChanges } from './tokens/lifecycle';
import { getService } from './utils/get-service';

const bootstrap = async ({ strapi }: { strapi: Core.Strapi }) => {
  await registerPermissions(strapi);
  registerRoomEvents(strapi);
  subscribeUserChanges(strapi);

  const settings = getService(strapi, 'settings');
  const sync = getService(strapi, 'sync');
  const current = await settings.get();
  const bound = Object.keys(current.contentTypes);
  if (!(await settings.isConfigured())) {
    strapi.log.info(
      '[iflychat] no API key is set: the plugin is idle. Publishing works as usual and rooms are created once a key is set (Settings → iFlyChat or config/plugins.ts).'
    );
  } else if (bound.length === 0) {
    strapi.log.info('[iflychat] no content type is bound: no room will be created.');
  } else {
    strapi.log.info(`[iflychat] creating rooms for ${bound.join(', ')}`);
  }

  // The Content Manager has synced its view configurations in its own bootstrap, before ours.
  await syncRoomIdFields(strapi, current.contentTypes);

  // The worker picks up rows left behind by a previous run; the audit marks what a lost event
  // missed, now and then every sweepIntervalSeconds (see sync/audit.ts).
  sync.start();
  // Deletes revoked chat tokens in iFlyChat, and revokes those that no longer hold.
  getService(strapi, 'tokens').start();
};

export default bootstrap;
