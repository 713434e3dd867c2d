import type { Core } from '@strapi/strapi';

import { unsubscribeUserChanges } from './tokens/lifecycle';
import { getService } from './utils/get-service';

/** Stops the audit and the worker; running rows finish (bounded by the request timeout). */
const destroy = async ({ strapi }: { strapi: Core.Strapi }) => {
  unsubscribeUserChanges(strapi);
  await getService(strapi, 'sync').stop();
  await getService(strapi, 'tokens').idle();
};

export default destroy;
