import moderationLog from './moderation-log';
import roomClaim from './room-claim';
import roomLink from './room-link';
import tokenGrant from './token-grant';

export const ROOM_LINK_UID = 'plugin::iflychat.room-link' as const;
export const ROOM_CLAIM_UID = 'plugin::iflychat.room-claim' as const;
export const TOKEN_GRANT_UID = 'plugin::iflychat.token-grant' as const;
export const MODERATION_LOG_UID = 'plugin::iflychat.moderation-log' as const;

export default {
  'room-link': roomLink,
  'room-claim': roomClaim,
  'token-grant': tokenGrant,
  'moderation-log': moderationLog,
};
