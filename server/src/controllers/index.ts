import moderation from './moderation';
import rooms from './rooms';
import roomsPage from './rooms-page';
import settings from './settings';
import token from './token';

export default {
  moderation,
  rooms,
  roomsPage,
  settings,
  token,
};
