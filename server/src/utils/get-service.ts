import type { Core } from '@strapi/strapi';

import type { BudgetService } from '../iflychat/budget';
import type { ModerationService } from '../moderation/service';
import type { SettingsService } from '../settings/service';
import type { PanelService } from '../panel/service';
import type { RoomsPageService } from '../rooms-page/service';
import type { SyncService } from '../sync/service';
import type { TokenService } from '../tokens/service';

export const PLUGIN_ID = 'iflychat';

interface Services {
  settings: SettingsService;
  sync: SyncService;
  rooms: PanelService;
  roomsPage: RoomsPageService;
  tokens: TokenService;
  budget: BudgetService;
  moderation: ModerationService;
}

/** The one typed way to reach the plugin's services. */
export function getService<Name extends keyof Services>(
  strapi: Core.Strapi,
  name: Name
): Services[Name] {
  return strapi.plugin(PLUGIN_ID).service<Services[Name]>(name);
}
