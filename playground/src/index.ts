import type { Core } from '@strapi/strapi';

import { seedDemo, serveKit } from './demo';

/** The playground's languages: English (i18n's default) and French, for the translated Topic. */
const LOCALES = [{ code: 'fr', name: 'French (fr)' }];

export default {
  register({ strapi }: { strapi: Core.Strapi }) {
    serveKit(strapi);
  },

  async bootstrap({ strapi }: { strapi: Core.Strapi }) {
    const locales = strapi.plugin('i18n').service<{
      findByCode(code: string): Promise<unknown>;
      create(locale: { code: string; name: string }): Promise<unknown>;
    }>('locales');
    for (const locale of LOCALES) {
      if (!(await locales.findByCode(locale.code))) {
        await locales.create(locale);
      }
    }
    if (process.env.IFLYCHAT_DEMO === 'true') await seedDemo(strapi);
  },
};
