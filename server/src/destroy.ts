import type { Core } from '@strapi/strapi';

import { unsubscribeUserChanges } from './tokens/lifecycle';
import { getService } from './utils/get-service';

/**
 * Stops the audit, the worker and the token revoker; running rows and deletions finish (bounded
 * by the request timeout).
 */
const destroy = async ({ strapi }: { strapi: Core.Strapi }) => {
  unsubscribeUserChanges(strapi);
  await getService(strapi, 'sync').stop();
  await getService(strapi, 'tokens').stop();
};

export default destroy;
