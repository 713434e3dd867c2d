import roomClaim from './room-claim';
import roomLink from './room-link';

export const ROOM_LINK_UID = 'plugin::iflychat.room-link' as const;
export const ROOM_CLAIM_UID = 'plugin::iflychat.room-claim' as const;

export default {
  'room-link': roomLink,
  'room-claim': roomClaim,
};
