import { PERMISSIONS } from '../../../contracts/settings';

type Guard = (...actions: string[]) => { policies: unknown[] };

/**
 * The Rooms page's routes: reading needs `rooms.read`; Retry failed and deleting an orphan room
 * need `rooms.manage` as well. Placed before `/rooms/:action` routes of the room panel.
 */
export const roomsPageRoutes = (guard: Guard) => [
  {
    method: 'GET',
    path: '/rooms/list',
    handler: 'roomsPage.list',
    config: guard(PERMISSIONS.readRooms),
  },
  {
    method: 'GET',
    path: '/rooms/export',
    handler: 'roomsPage.export',
    config: guard(PERMISSIONS.readRooms),
  },
  {
    method: 'GET',
    path: '/rooms/orphans',
    handler: 'roomsPage.orphans',
    config: guard(PERMISSIONS.readRooms),
  },
  {
    method: 'POST',
    path: '/rooms/retry-failed',
    handler: 'roomsPage.retryFailed',
    config: guard(PERMISSIONS.readRooms, PERMISSIONS.manageRooms),
  },
  {
    method: 'POST',
    path: '/rooms/orphans/delete',
    handler: 'roomsPage.deleteOrphan',
    config: guard(PERMISSIONS.readRooms, PERMISSIONS.manageRooms),
  },
];
