import type { Core } from '@strapi/strapi';

import { syncRoomIdFields } from './content-manager/room-id-field';
import { registerRoomEvents } from './events/room-events';
import { registerPermissions } from './permissions';
import { describe } from './sync/service';
import { subscribeUserChanges } from './tokens/lifecycle';
import { getService } from './utils/get-service';

export const SWEEP_TASK = 'iflychat-sweep';

/** A cron rule (with seconds) that fires every `seconds`, rounded to whole minutes past 59 s. */
export function sweepRule(seconds: number): string {
  if (seconds < 60) return `*/${seconds} * * * * *`;
  return `0 */${Math.max(1, Math.round(seconds / 60))} * * * *`;
}

const bootstrap = async ({ strapi }: { strapi: Core.Strapi }) => {
  await registerPermissions(strapi);
  registerRoomEvents(strapi);
  subscribeUserChanges(strapi);

  const settings = getService(strapi, 'settings');
  const sync = getService(strapi, 'sync');
  const current = await settings.get();
  const bound = Object.keys(current.contentTypes);
  if (!(await settings.isConfigured())) {
    strapi.log.info(
      '[iflychat] no API key is set: the plugin is idle. Publishing works as usual and rooms are created once a key is set (Settings → iFlyChat or config/plugins.ts).'
    );
  } else if (bound.length === 0) {
    strapi.log.info('[iflychat] no content type is bound: no room will be created.');
  } else {
    strapi.log.info(`[iflychat] creating rooms for ${bound.join(', ')}`);
  }

  // The Content Manager has synced its view configurations in its own bootstrap, before ours.
  await syncRoomIdFields(strapi, current.contentTypes);

  const runSweep = () =>
    sync
      .sweep()
      .catch((error: unknown) => strapi.log.error(`[iflychat] sweep failed: ${describe(error)}`));

  // The worker picks up jobs left over by a previous run; the sweep finds publishes whose job
  // was never recorded, then runs again on a schedule.
  sync.start();
  void runSweep();
  strapi.cron.add({
    [SWEEP_TASK]: {
      task: runSweep,
      options: { rule: sweepRule(current.sweepIntervalSeconds) },
    },
  });
};

export default bootstrap;
