import type { Core } from '@strapi/strapi';

import { SWEEP_TASK } from './bootstrap';
import { getService } from './utils/get-service';

/** Stops the sweep and the worker; running jobs finish (bounded by the request timeout). */
const destroy = async ({ strapi }: { strapi: Core.Strapi }) => {
  strapi.cron.remove(SWEEP_TASK);
  await getService(strapi, 'sync').stop();
};

export default destroy;
