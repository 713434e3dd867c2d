import type { Core } from '@strapi/strapi';

import { registerPublishMiddleware } from './documents/middleware';
import { getService } from './utils/get-service';

const register = ({ strapi }: { strapi: Core.Strapi }) => {
  // Throws, and so stops Strapi, when a binding names a missing content type or attribute.
  getService(strapi, 'settings').load();
  registerPublishMiddleware(strapi);
};

export default register;
