/**
 * Settings: what is in force, merged key by key from `config/plugins.ts` (which wins and is
 * read-only in the admin) and from what admins saved on the settings page (the plugin store).
 *
 * The API key and app id stay inside this service: callers get a ready client, or a description
 * of a secret (configured, last four characters, source) that never contains it.
 */
import type { Core } from '@strapi/strapi';

import type { SettingsView, TestConnection } from '../../../contracts/settings';
import { createIflychatClient, type IflychatClient } from '../iflychat/client';
import { getService } from '../utils/get-service';
import { createFileSettings } from './file';
import { saveSettings } from './save';
import { createSnapshots, transport, type EffectiveSettings } from './snapshot';
import { createSettingsStore } from './stored';
import { checkAccount } from './account-check';
import { testConnection } from './test-connection';
import { settingsView } from './view';

export type { EffectiveSettings } from './snapshot';
export { storedKeyBaseUrl, type StoredSettings } from './stored';
export { describeTestFailure } from './test-connection';
export { describeSecret } from './view';

export function createSettingsService({ strapi }: { strapi: Core.Strapi }) {
  const files = createFileSettings(strapi);
  const store = createSettingsStore(strapi);
  const snapshots = createSnapshots({ strapi, files, store });
  let cachedClient: { signature: string; client: IflychatClient } | undefined;

  function clientFor(options: Parameters<typeof createIflychatClient>[0]): IflychatClient {
    const signature = JSON.stringify(options);
    if (cachedClient?.signature !== signature) {
      cachedClient = { signature, client: createIflychatClient(options) };
    }
    return cachedClient.client;
  }

  return {
    /**
     * Parses `config/plugins.ts` and checks every binding in it against its content type.
     * Throws a PluginConfigError naming each problem, which stops Strapi.
     */
    load(): void {
      files.load();
      snapshots.reset();
    },

    /**
     * The settings in force (cached for a few seconds; saving here refreshes at once). Safe to
     * await anywhere, also inside a transaction (see `current()` in `snapshot.ts`).
     */
    async get(): Promise<EffectiveSettings> {
      return (await snapshots.current()).settings;
    },

    /** The last settings read, for synchronous knobs (such as the worker's pool size). */
    cached(): EffectiveSettings | undefined {
      return snapshots.cached()?.settings;
    },

    /** The app id in force (public: iFlyChat shows it to every visitor of a page with the widget). */
    async getAppId(): Promise<string | undefined> {
      return (await snapshots.current()).appId?.value;
    },

    async isConfigured(): Promise<boolean> {
      return Boolean((await snapshots.current()).apiKey);
    },

    /** A client for the settings in force, or null while no API key is set. */
    async getClient(): Promise<IflychatClient | null> {
      const snap = await snapshots.current();
      if (!snap.apiKey) return null;
      const { apiVersion, baseUrl, timeoutMs } = snap.settings;
      if (snap.apiKey.baseUrl !== baseUrl) return null;
      return clientFor({
        apiKey: snap.apiKey.value,
        apiVersion,
        baseUrl,
        timeoutMs,
        ...transport(snap),
      });
    },

    /** What `GET /iflychat/settings` answers. */
    async view(): Promise<SettingsView> {
      return settingsView(await snapshots.current(), files.locked());
    },

    /** Validates and saves what the settings page sent; throws a 400 naming each bad field. */
    async update(input: unknown): Promise<SettingsView> {
      const view = await store.serialized(async () =>
        settingsView(await saveSettings({ strapi, files, store, snapshots }, input), files.locked())
      );
      // A new role map or chat-role map revokes the chat tokens it no longer allows.
      getService(strapi, 'tokens').reviewGrants();
      return view;
    },

    /**
     * One harmless call (`rooms/list`) with the entered values, or the ones in force. The stored
     * (or configured) key is only used with the base URL it was saved with: another base URL
     * needs the key typed in the same request, and a key from config/plugins.ts locks both.
     * The answer is one of a few outcomes with a sentence written here, never what the remote
     * server said or a socket error.
     */
    async testConnection(input: unknown): Promise<TestConnection.Response['data']> {
      return testConnection({ strapi, files, snapshots }, input);
    },

    /**
     * "Check my account": every call the settings need, made once and undone (a throwaway room
     * created, edited, listed and deleted; a token issued to a throwaway user and deleted), with
     * the values `input` names (`apiKey`, `apiVersion`, `baseUrl`, `appId`) over those in force,
     * under the same key rules as {@link testConnection}. `ok` is false when a call the settings
     * need does not work; `leftoverRoomId` names a throwaway room that could not be deleted.
     * From code: `await strapi.plugin('iflychat').service('settings').checkAccount()`.
     */
    async checkAccount(input: unknown = {}) {
      return checkAccount({ strapi, files, snapshots }, input);
    },
  };
}

export type SettingsService = ReturnType<typeof createSettingsService>;
