import { createBudgetService } from '../iflychat/budget';
import { createModerationService } from '../moderation/service';
import { createSettingsService } from '../settings/service';
import { createPanelService } from '../panel/service';
import { createRoomsPageService } from '../rooms-page/service';
import { createSyncService } from '../sync/service';
import { createTokenService } from '../tokens/service';

export default {
  settings: createSettingsService,
  sync: createSyncService,
  rooms: createPanelService,
  roomsPage: createRoomsPageService,
  tokens: createTokenService,
  budget: createBudgetService,
  moderation: createModerationService,
};
