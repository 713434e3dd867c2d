import { PERMISSIONS } from '../../../contracts/settings';
import { moderationRoutes } from './moderation';
import { roomsPageRoutes } from './rooms-page';

/** Admin routes, mounted under `/iflychat`. */
const guard = (...actions: string[]) => ({
  policies: ['admin::isAuthenticatedAdmin', { name: 'admin::hasPermissions', config: { actions } }],
});

export default {
  type: 'admin' as const,
  routes: [
    { method: 'GET', path: '/settings', handler: 'settings.find', config: guard(PERMISSIONS.read) },
    {
      method: 'PUT',
      path: '/settings',
      handler: 'settings.update',
      config: guard(PERMISSIONS.update),
    },
    {
      method: 'POST',
      path: '/settings/test-connection',
      handler: 'settings.testConnection',
      config: guard(PERMISSIONS.update),
    },
    {
      method: 'POST',
      path: '/settings/check-account',
      handler: 'settings.checkAccount',
      config: guard(PERMISSIONS.update),
    },
    {
      method: 'GET',
      path: '/content-types',
      handler: 'settings.contentTypes',
      config: guard(PERMISSIONS.read),
    },
    { method: 'GET', path: '/roles', handler: 'settings.roles', config: guard(PERMISSIONS.read) },
    {
      method: 'POST',
      path: '/preview-room-name',
      handler: 'settings.preview',
      config: guard(PERMISSIONS.read),
    },
    {
      method: 'POST',
      path: '/backfill',
      handler: 'settings.startBackfill',
      config: guard(PERMISSIONS.manageRooms),
    },
    {
      method: 'GET',
      path: '/backfill',
      handler: 'settings.backfillProgress',
      config: guard(PERMISSIONS.manageRooms),
    },
    // The Content Manager's room panel. Reading needs Content Manager read access to the type
    // (checked in the controller); changing needs rooms.manage.
    {
      method: 'GET',
      path: '/rooms',
      handler: 'rooms.find',
      config: { policies: ['admin::isAuthenticatedAdmin'] },
    },
    ...roomsPageRoutes(guard),
    ...moderationRoutes(guard),
    ...(['retry', 'unlink', 'link', 'recreate'] as const).map((action) => ({
      method: 'POST',
      path: `/rooms/${action}`,
      handler: `rooms.${action}`,
      config: guard(PERMISSIONS.manageRooms),
    })),
  ],
};
