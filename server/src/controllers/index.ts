import rooms from './rooms';
import settings from './settings';

export default {
  rooms,
  settings,
};
