import fs from 'fs';
import path from 'path';

/** The plugin is the package at the repository root, found upwards from this (compiled) file. */
function pluginRoot(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (!fs.existsSync(manifest)) continue;
    const { name } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string };
    if (name === 'strapi-plugin-iflychat') return dir;
  }
  throw new Error('strapi-plugin-iflychat was not found above the playground');
}

export default ({ env }: { env: (key: string, fallback?: string) => string }) => ({
  iflychat: {
    enabled: true,
    resolve: pluginRoot(),
    config: {
      apiKey: env('IFLYCHAT_API_KEY'),
      apiVersion: env('IFLYCHAT_API_VERSION', '1.1'),
      baseUrl: env('IFLYCHAT_BASE_URL', 'https://api.iflychat.com'),
      roleMap: { public: '1', authenticated: '2' },
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
