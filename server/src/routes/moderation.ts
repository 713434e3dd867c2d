import { PERMISSIONS } from '../../../contracts/settings';

type Guard = (...actions: string[]) => { policies: unknown[] };

/** Moderation's routes (contracts/moderation.ts): every one needs `chat.moderate`. */
export const moderationRoutes = (guard: Guard) =>
  (
    [
      ['GET', '/room-users', 'roomUsers'],
      ['GET', '/online', 'online'],
      ['GET', '/banned', 'banned'],
      ['POST', '/kick', 'kick'],
      ['POST', '/ban', 'ban'],
      ['POST', '/unban', 'unban'],
      ['POST', '/ip-unban', 'ipUnban'],
      ['GET', '/history', 'history'],
      ['GET', '/transcript', 'transcript'],
      ['POST', '/clear', 'clear'],
      ['GET', '/accounts', 'accounts'],
      ['GET', '/log', 'log'],
    ] as const
  ).map(([method, path, action]) => ({
    method,
    path: `/moderation${path}`,
    handler: `moderation.${action}`,
    config: guard(PERMISSIONS.moderate),
  }));
