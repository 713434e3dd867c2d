import { Discuss, User } from '@strapi/icons';
import type { StrapiApp } from '@strapi/strapi/admin';

import { PERMISSIONS } from '../../contracts/settings';
import { RoomPanel } from './components/RoomPanel';
import { PLUGIN_ID } from './pluginId';
import { getTranslation } from './utils/translate';

type TranslationModule = { default: Record<string, string> };

const plugin: StrapiApp['appPlugins'][string] = {
  register(app) {
    app.registerPlugin({
      id: PLUGIN_ID,
      name: PLUGIN_ID,
    });
    // The Rooms page, in the main menu for those with rooms.read.
    app.addMenuLink({
      to: `plugins/${PLUGIN_ID}`,
      icon: Discuss,
      intlLabel: { id: getTranslation('plugin.name'), defaultMessage: 'iFlyChat' },
      Component: () => import('./pages/Rooms'),
      permissions: [{ action: PERMISSIONS.readRooms, subject: null }],
    });
    // The Chat users page (moderation), for those with chat.moderate.
    app.addMenuLink({
      to: `plugins/${PLUGIN_ID}-chat-users`,
      icon: User,
      intlLabel: { id: getTranslation('chatUsers.title'), defaultMessage: 'Chat users' },
      Component: () => import('./pages/ChatUsers'),
      permissions: [{ action: PERMISSIONS.moderate, subject: null }],
    });
  },

  bootstrap(app) {
    app.addSettingsLink('global', {
      id: PLUGIN_ID,
      to: PLUGIN_ID,
      intlLabel: { id: getTranslation('plugin.name'), defaultMessage: 'iFlyChat' },
      Component: () => import('./pages/Settings'),
      permissions: [{ action: PERMISSIONS.read, subject: null }],
    });

    // The "iFlyChat room" panel in the Content Manager's edit view.
    const contentManager = app.getPlugin('content-manager')?.apis as
      { addEditViewSidePanel?: (panels: unknown[]) => void } | undefined;
    if (typeof contentManager?.addEditViewSidePanel === 'function') {
      contentManager.addEditViewSidePanel([RoomPanel]);
    }
  },

  async registerTrads({ locales }) {
    return Promise.all(
      locales.map(async (locale) => {
        try {
          const { default: data } = (await import(
            `./translations/${locale}.json`
          )) as TranslationModule;
          const prefixed = Object.fromEntries(
            Object.entries(data).map(([key, value]) => [getTranslation(key), value])
          );
          return { data: prefixed, locale };
        } catch {
          return { data: {}, locale };
        }
      })
    );
  },
};

export default plugin;
