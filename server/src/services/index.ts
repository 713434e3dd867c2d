import { createSettingsService } from '../settings/service';
import { createPanelService } from '../sync/panel';
import { createSyncService } from '../sync/service';

export default {
  settings: createSettingsService,
  sync: createSyncService,
  rooms: createPanelService,
};
