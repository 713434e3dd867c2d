import rooms from './rooms';
import settings from './settings';
import token from './token';

export default {
  rooms,
  settings,
  token,
};
