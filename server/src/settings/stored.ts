/**
 * What the settings page saved: one row of Strapi's core store, read as it is and written over
 * only if no one else wrote it meanwhile, one save at a time in this process. Secrets saved in
 * clear or in an older format are encrypted again once per process.
 */
import type { Core } from '@strapi/strapi';

import {
  DEFAULT_BASE_URL,
  normalizeBaseUrl,
  type Binding,
  type PluginConfig,
} from '../../../contracts/config';
import type { UserSettings } from '../../../contracts/users';
import { PLUGIN_ID } from '../utils/get-service';
import { ConflictError } from '../utils/errors';
import { resealed, type StoredSecret } from './secrets';

/** What the settings page saved. Absent keys fall back to the defaults. */
export interface StoredSettings {
  /** Counts saves, so that a save made from an older page is refused. */
  revision?: number;
  apiKey?: StoredSecret;
  /**
   * The base URL the API key was saved with: the key is only ever sent there. Settings saved
   * before this was recorded had one base URL for the key, `baseUrl` (or the default).
   */
  apiKeyBaseUrl?: string;
  appId?: StoredSecret;
  apiVersion?: PluginConfig['apiVersion'];
  baseUrl?: string;
  timeoutMs?: number;
  concurrency?: number;
  maxAttempts?: number;
  maxRequestsPerSecond?: number | null;
  roleMap?: Record<string, string>;
  contentTypes?: Record<string, Binding>;
  chatRoleMap?: UserSettings['chatRoleMap'];
  userIdPrefix?: string;
  userNameAttribute?: string;
  userAvatarUrl?: string;
  userProfileUrl?: string;
  userAvatarField?: string;
  userAvatarGravatar?: boolean;
  chatAdminAttribute?: string;
  chatModeratorAttribute?: string;
  chatAdminUsernames?: string[];
  chatModeratorUsernames?: string[];
  tokenRequestsPerMinute?: number;
  scriptUrl?: string;
}

export interface StoredRow {
  value: StoredSettings;
  /** The row as stored, to write over it only if no one else did meanwhile. */
  id: number | null;
  raw: string | null;
}

const STORE_KEY = 'settings';
const CORE_STORE = 'strapi::core-store';
/** The core store row's key: `strapi.store({ type: 'plugin', name })` writes `plugin_<name>_<key>`. */
const STORE_ROW_KEY = `plugin_${PLUGIN_ID}_${STORE_KEY}`;

export const STALE_MESSAGE =
  'the settings were changed by someone else since this page was loaded: reload the page and make your changes again';

/** The base URL a stored key was saved with (older settings: the base URL saved beside it). */
export function storedKeyBaseUrl(stored: StoredSettings): string {
  return normalizeBaseUrl(stored.apiKeyBaseUrl ?? stored.baseUrl ?? DEFAULT_BASE_URL);
}

export function retypeKeyMessage(boundTo: string, action: string): string {
  return `type the API key again to ${action}: the stored key is only ever sent to ${boundTo}, the base URL it was saved with`;
}

/** Strapi's `admin.secrets.encryptionKey`, which the stored secrets are encrypted with. */
export function encryptionKey(strapi: Core.Strapi): string | undefined {
  return strapi.config.get<string | undefined>('admin.secrets.encryptionKey') || undefined;
}

export type SettingsStore = ReturnType<typeof createSettingsStore>;

export function createSettingsStore(strapi: Core.Strapi) {
  let writing: Promise<unknown> = Promise.resolve();
  let upgradeChecked = false;

  async function readRow(): Promise<StoredRow> {
    const row = (await strapi.db.query(CORE_STORE).findOne({
      where: { key: STORE_ROW_KEY, environment: null, tag: null },
    })) as { id: number; value: string | null } | null;
    if (!row) return { value: {}, id: null, raw: null };
    let value: unknown;
    try {
      value = row.value === null ? null : JSON.parse(row.value);
    } catch {
      value = null;
    }
    return {
      value: value && typeof value === 'object' ? value : {},
      id: row.id,
      raw: row.value,
    };
  }

  /**
   * Writes the settings over `row` only if it is still what is stored (compare and set on the
   * row's text, which holds on every database and across Strapi instances); a ConflictError
   * otherwise.
   */
  async function write(next: StoredSettings, row: StoredRow): Promise<void> {
    if (row.id === null) {
      await strapi.store({ type: 'plugin', name: PLUGIN_ID }).set({ key: STORE_KEY, value: next });
      return;
    }
    const written = await strapi.db.query(CORE_STORE).updateMany({
      where: { id: row.id, value: row.raw },
      data: { value: JSON.stringify(next), type: 'object' },
    });
    if (written.count !== 1) throw new ConflictError(STALE_MESSAGE);
  }

  return {
    readRow,
    write,

    /** Runs `task` after the saves already running in this process (one read-check-write at a time). */
    serialized<T>(task: () => Promise<T>): Promise<T> {
      const run = writing.then(task, task);
      writing = run.catch(() => undefined);
      return run;
    },

    /**
     * Once per process: a secret saved in clear before `ENCRYPTION_KEY` existed, or in the older
     * format, is encrypted again in the current one.
     */
    async upgradeSecrets(): Promise<void> {
      if (upgradeChecked) return;
      upgradeChecked = true;
      const key = encryptionKey(strapi);
      if (!key) return;
      // Not serialized with saves (a save refreshes, which would wait for itself): the compare
      // and set keeps it from overwriting one.
      const row = await readRow();
      const apiKey = resealed(row.value.apiKey, key);
      const appId = resealed(row.value.appId, key);
      if (!apiKey && !appId) return;
      const next = { ...row.value, ...(apiKey ? { apiKey } : {}), ...(appId ? { appId } : {}) };
      try {
        await write(next, row);
        strapi.log.info('[iflychat] the stored secrets are now encrypted with the current format');
      } catch (error) {
        // Someone saved meanwhile; the next start does the upgrade.
        if (!(error instanceof ConflictError)) throw error;
      }
    },
  };
}
