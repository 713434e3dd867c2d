import type { Core } from '@strapi/strapi';

import { getService } from './utils/get-service';

const destroy = ({ strapi }: { strapi: Core.Strapi }) => {
  return getService(strapi, 'sync').stop();
};

export default destroy;
