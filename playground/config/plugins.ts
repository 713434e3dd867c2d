import { pluginRoot } from '../src/plugin-root';

export default ({ env }: { env: (key: string, fallback?: string) => string }) => ({
  iflychat: {
    enabled: true,
    resolve: pluginRoot(),
    config: {
      apiKey: env('IFLYCHAT_API_KEY'),
      apiVersion: env('IFLYCHAT_API_VERSION', '1.1'),
      baseUrl: env('IFLYCHAT_BASE_URL', 'https://api.iflychat.com'),
      appId: env('IFLYCHAT_APP_ID'),
      roleMap: { public: '1', authenticated: '2', members: '3' },
      // Site users: Members are moderators in the chat; the widget comes from the emulator in the demo.
      chatRoleMap: { members: 'moderator' },
      scriptUrl: env('IFLYCHAT_SCRIPT_URL', 'https://cdn.iflychat.com/js/iflychat-v2.min.js'),
      // The emulator's host in the demo (IFLYCHAT_WIDGET_ORIGIN); none otherwise.
      allowedScriptHosts: env('IFLYCHAT_WIDGET_ORIGIN', '')
        .split(',')
        .map((origin) => origin.trim().replace(/^https?:\/\//, ''))
        .filter(Boolean),
      contentTypes: {
        'api::community.community': {
          roomName: '{name}',
          roomIdField: 'roomId',
          roomRole: { field: 'audience' },
          private: { field: 'isPrivate' },
          moderate: { field: 'isModerated' },
        },
        // Translated: each language gets its own room, deleted when that language is
        // unpublished or deleted.
        'api::topic.topic': {
          roomName: '{title} ({locale})',
          roomIdField: 'localeRoomId',
          roomPer: 'locale',
          private: { field: 'isPrivate' },
          onUnpublish: 'delete',
          onDelete: 'delete',
        },
      },
    },
  },
});
