import type { Core } from '@strapi/strapi';

import { getService } from './utils/get-service';

/** Stops the sweep and the runner; running jobs finish (bounded by the request timeout). */
const destroy = async ({ strapi }: { strapi: Core.Strapi }) => {
  await getService(strapi, 'sync').stop();
};

export default destroy;
