export const PLUGIN_ID = 'iflychat';
