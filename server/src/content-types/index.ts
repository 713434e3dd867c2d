import roomLink from './room-link';

export const ROOM_LINK_UID = 'plugin::iflychat.room-link' as const;

export default {
  'room-link': roomLink,
};
