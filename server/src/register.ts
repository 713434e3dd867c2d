import type { Core } from '@strapi/strapi';

import { registerPublishMiddleware } from './documents/middleware';
import { watchMembership } from './tokens/member-changes';
import { getService } from './utils/get-service';

const register = ({ strapi }: { strapi: Core.Strapi }) => {
  // Throws, and so stops Strapi, when a binding names a missing content type or attribute.
  getService(strapi, 'settings').load();
  registerPublishMiddleware(strapi);
  // Drops the chat tokens of users who join or leave a members-only room.
  watchMembership(strapi);
};

export default register;
