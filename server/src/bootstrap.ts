import type { Core } from '@strapi/strapi';

import { getService } from './utils/get-service';

const bootstrap = ({ strapi }: { strapi: Core.Strapi }) => {
  const settings = getService(strapi, 'settings');
  const bound = Object.keys(settings.get().contentTypes);
  if (!settings.isConfigured()) {
    strapi.log.info(
      '[iflychat] no API key is set: the plugin is idle. Publishing works as usual and rooms are created once a key is set.'
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
