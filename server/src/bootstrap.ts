import type { Core } from '@strapi/strapi';

import { registerPermissions } from './permissions';
import { getService } from './utils/get-service';

const bootstrap = async ({ strapi }: { strapi: Core.Strapi }) => {
  await registerPermissions(strapi);

  const settings = getService(strapi, 'settings');
  const bound = Object.keys((await settings.get()).contentTypes);
  if (!(await settings.isConfigured())) {
    strapi.log.info(
      '[iflychat] no API key is set: the plugin is idle. Publishing works as usual and rooms are created once a key is set (Settings → iFlyChat or config/plugins.ts).'
    );
  } else if (bound.length === 0) {
    strapi.log.info('[iflychat] no content type is bound: no room will be created.');
  } else {
    strapi.log.info(`[iflychat] creating rooms for ${bound.join(', ')}`);
  }
  // The worker also picks up jobs left over by a previous run.
  getService(strapi, 'sync').start();
};

export default bootstrap;
