/**
 * The settings in force, merged key by key from the file (which wins where it sets a key) and
 * from what was stored, with the secrets opened: read at most every few seconds (another
 * instance's save reaches this one that late), at once after a save here.
 */
import type { Core } from '@strapi/strapi';

import { pluginConfigSchema, type Binding, type PluginConfig } from '../../../contracts/config';
import type { ScalarKey, SecretSource } from '../../../contracts/settings';
import {
  DEFAULT_SCRIPT_URL,
  scriptUrlProblem,
  USER_SETTING_KEYS,
  type UserSettings,
} from '../../../contracts/users';
import { formatProblem, validateBinding } from '../config/bindings';
import { modelOf, type FileSettings } from './file';
import { isSealed, openSecret, type StoredSecret } from './secrets';
import { encryptionKey, storedKeyBaseUrl, type SettingsStore, type StoredSettings } from './stored';

/** The settings in force, without the secrets. */
export type EffectiveSettings = Omit<PluginConfig, 'apiKey' | 'appId'>;

export interface Snapshot {
  settings: EffectiveSettings;
  revision: number;
  /** Whether every stored secret is encrypted in the current format. */
  encryptedAtRest: boolean;
  /** The key in force, with the one base URL it may be sent to. */
  apiKey: { value: string; source: SecretSource; baseUrl: string } | undefined;
  appId: { value: string; source: SecretSource } | undefined;
  loadedAt: number;
}

/** How long another instance's saved settings may take to reach this one. */
const CACHE_MS = 5_000;

/** Answer size caps and proxy: config/plugins.ts only. */
export function transport(snap: Snapshot) {
  const { maxResponseBytes, maxListResponseBytes, proxy } = snap.settings;
  return { maxResponseBytes, maxListResponseBytes, proxy };
}

/** Every setting but the secrets: the file's where it locks the key, else stored, else default. */
function settingsInForce(
  file: PluginConfig,
  stored: StoredSettings,
  lockedKeys: Set<ScalarKey>,
  storedBindings: Record<string, Binding>
): EffectiveSettings {
  const defaults = pluginConfigSchema.parse({});
  const pick = <K extends Exclude<ScalarKey, 'apiKey' | 'appId'>>(key: K): PluginConfig[K] =>
    lockedKeys.has(key)
      ? file[key]
      : ((stored[key] as PluginConfig[K] | undefined) ?? defaults[key]);
  return {
    apiVersion: pick('apiVersion'),
    baseUrl: pick('baseUrl'),
    timeoutMs: pick('timeoutMs'),
    concurrency: pick('concurrency'),
    maxAttempts: pick('maxAttempts'),
    maxRequestsPerSecond: pick('maxRequestsPerSecond'),
    // Operational tuning lives in config/plugins.ts only.
    maxResponseBytes: file.maxResponseBytes,
    maxListResponseBytes: file.maxListResponseBytes,
    proxy: file.proxy,
    retryBaseDelayMs: file.retryBaseDelayMs,
    retryMaxDelayMs: file.retryMaxDelayMs,
    leaseSeconds: file.leaseSeconds,
    sweepIntervalSeconds: file.sweepIntervalSeconds,
    adoptExistingRoomIds: file.adoptExistingRoomIds,
    banBlockedUsers: file.banBlockedUsers,
    memberRoomsPerToken: file.memberRoomsPerToken,
    allowedScriptHosts: file.allowedScriptHosts,
    roleMap: { ...(stored.roleMap ?? {}), ...file.roleMap },
    contentTypes: { ...storedBindings, ...file.contentTypes },
    ...(Object.fromEntries(USER_SETTING_KEYS.map((key) => [key, pick(key)])) as UserSettings),
    scriptUrl: scriptUrlInForce(pick('scriptUrl'), file.allowedScriptHosts),
  };
}

/**
 * The saved widget script, unless its host is not (or no longer) allowed: a value saved before
 * hosts were checked, or a host since taken out of `allowedScriptHosts`. Then iFlyChat's own.
 */
function scriptUrlInForce(scriptUrl: string, allowedHosts: readonly string[]): string {
  return scriptUrlProblem(scriptUrl, allowedHosts) ? DEFAULT_SCRIPT_URL : scriptUrl;
}

/** Stored bindings that no longer fit their content type are skipped, with a warning. */
function usableStoredBindings(
  strapi: Core.Strapi,
  stored: StoredSettings
): Record<string, Binding> {
  const usable: Record<string, Binding> = {};
  for (const [uid, binding] of Object.entries(stored.contentTypes ?? {})) {
    const problems = validateBinding(uid, binding, modelOf(strapi, uid));
    if (problems.length === 0) {
      usable[uid] = binding;
    } else {
      strapi.log.warn(
        `[iflychat] the binding saved for ${uid} is ignored: ${problems.map(formatProblem).join('; ')}`
      );
    }
  }
  return usable;
}

export type Snapshots = ReturnType<typeof createSnapshots>;

export function createSnapshots({
  strapi,
  files,
  store,
}: {
  strapi: Core.Strapi;
  files: FileSettings;
  store: SettingsStore;
}) {
  let snapshot: Snapshot | undefined;
  let refreshing: Promise<Snapshot> | undefined;
  let warnedUndecryptable = false;
  let warnedOtherBaseUrl = false;
  let warnedScriptUrl = false;

  function openStored(secret: StoredSecret | undefined, name: string): string | undefined {
    if (!secret) return undefined;
    const value = openSecret(secret, encryptionKey(strapi));
    if (value === null) {
      if (!warnedUndecryptable) {
        warnedUndecryptable = true;
        strapi.log.warn(
          `[iflychat] the stored ${name} cannot be decrypted with the current admin.secrets.encryptionKey: enter it again in Settings → iFlyChat`
        );
      }
      return undefined;
    }
    return value;
  }

  /** The key goes to the base URL it was saved with, and nowhere else. */
  function keyInForce(
    found: { value: string; source: SecretSource } | undefined,
    file: PluginConfig,
    stored: StoredSettings,
    baseUrl: string
  ): Snapshot['apiKey'] {
    if (!found) return undefined;
    // A key from config/plugins.ts locks baseUrl with it (see the file settings' load()).
    const boundTo = found.source === 'config' ? file.baseUrl : storedKeyBaseUrl(stored);
    if (boundTo !== baseUrl) {
      if (!warnedOtherBaseUrl) {
        warnedOtherBaseUrl = true;
        strapi.log.warn(
          `[iflychat] the stored API key was saved for ${boundTo}, not for the base URL in force (${baseUrl}): it is not used; enter it again in Settings → iFlyChat`
        );
      }
      return undefined;
    }
    return { ...found, baseUrl: boundTo };
  }

  async function refresh(): Promise<Snapshot> {
    const file = files.config();
    await store.upgradeSecrets();
    const stored = (await store.readRow()).value;
    const lockedKeys = new Set<ScalarKey>(files.locked().keys);
    const secret = (key: 'apiKey' | 'appId') => {
      if (lockedKeys.has(key) && file[key]) return { value: file[key], source: 'config' as const };
      const value = openStored(stored[key], key === 'apiKey' ? 'API key' : 'app id');
      return value ? { value, source: 'admin' as const } : undefined;
    };
    const settings = settingsInForce(
      file,
      stored,
      lockedKeys,
      usableStoredBindings(strapi, stored)
    );
    if (stored.scriptUrl && stored.scriptUrl !== settings.scriptUrl && !warnedScriptUrl) {
      warnedScriptUrl = !lockedKeys.has('scriptUrl');
      if (warnedScriptUrl) {
        strapi.log.warn(
          `[iflychat] the saved widget script ${stored.scriptUrl} is not on cdn.iflychat.com or a host of allowedScriptHosts (config/plugins.ts): ${DEFAULT_SCRIPT_URL} is loaded instead`
        );
      }
    }
    const apiKey = keyInForce(secret('apiKey'), file, stored, settings.baseUrl);
    const next: Snapshot = {
      settings,
      revision: stored.revision ?? 0,
      encryptedAtRest:
        Boolean(encryptionKey(strapi)) &&
        [stored.apiKey, stored.appId].every((value) => !value || isSealed(value)),
      apiKey,
      appId: secret('appId'),
      loadedAt: Date.now(),
    };
    snapshot = next;
    return next;
  }

  return {
    /** Reads the settings again now. */
    refresh,

    /**
     * The settings in force, read again when the last read is more than a few seconds old. Safe
     * inside a transaction: there a read started elsewhere may be waiting for the connection the
     * transaction holds (SQLite has one), so it is never waited for; the last snapshot serves, or
     * (none yet) a read made in the transaction itself.
     */
    async current(): Promise<Snapshot> {
      if (snapshot && Date.now() - snapshot.loadedAt < CACHE_MS) return snapshot;
      if (strapi.db.inTransaction()) return snapshot ?? refresh();
      refreshing ??= refresh().finally(() => {
        refreshing = undefined;
      });
      return refreshing;
    },

    /** The last snapshot read, if any, without waiting. */
    cached(): Snapshot | undefined {
      return snapshot;
    },

    /** Forgets the last snapshot, so that the next read is fresh. */
    reset(): void {
      snapshot = undefined;
    },
  };
}
