import { createSettingsService } from '../settings/service';
import { createSyncService } from '../sync/service';

export default {
  settings: createSettingsService,
  sync: createSyncService,
};
