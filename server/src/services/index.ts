import { createSettingsService } from '../settings/service';
import { createPanelService } from '../sync/panel';
import { createSyncService } from '../sync/service';
import { createTokenService } from '../tokens/service';

export default {
  settings: createSettingsService,
  sync: createSyncService,
  rooms: createPanelService,
  tokens: createTokenService,
};
