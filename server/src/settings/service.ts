/**
 * Settings: what is in force, merged key by key from `config/plugins.ts` (which wins and is
 * read-only in the admin) and from what admins saved on the settings page (the plugin store).
 *
 * The API key and app id stay inside this service: callers get a ready client, or a description
 * of a secret (configured, last four characters, source) that never contains it.
 */
import type { Core } from '@strapi/strapi';

import {
  DEFAULT_BASE_URL,
  normalizeBaseUrl,
  pluginConfigSchema,
  type Binding,
  type PluginConfig,
} from '../../../contracts/config';
import { USER_SETTING_KEYS, type UserSettings } from '../../../contracts/users';
import {
  EDITABLE_SCALAR_KEYS,
  SCALAR_KEYS,
  settingsUpdateSchema,
  testConnectionSchema,
  type LockedSettings,
  type ScalarKey,
  type SecretSource,
  type SecretStatus,
  type SettingsView,
  type TestConnection,
} from '../../../contracts/settings';
import { parsePluginConfig, PluginConfigError } from '../config/parse';
import {
  formatProblem,
  validateBinding,
  validateBindings,
  type BindingProblem,
  type ModelLike,
} from '../config/bindings';
import { createIflychatClient, type IflychatClient } from '../iflychat/client';
import { IflychatApiError, isIflychatError } from '../iflychat/errors';
import { userNameAttributeProblem } from '../tokens/user-model';
import { PLUGIN_ID } from '../utils/get-service';
import { parseOr400, validationError } from '../utils/validation';
import { ConflictError } from '../utils/errors';
import { isSealed, openSecret, resealed, sealSecret, type StoredSecret } from './secrets';

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
  tokenRequestsPerMinute?: number;
  scriptUrl?: string;
}

/** The settings in force, without the secrets. */
export type EffectiveSettings = Omit<PluginConfig, 'apiKey' | 'appId'>;

interface Snapshot {
  settings: EffectiveSettings;
  revision: number;
  /** Whether every stored secret is encrypted in the current format. */
  encryptedAtRest: boolean;
  /** The key in force, with the one base URL it may be sent to. */
  apiKey: { value: string; source: SecretSource; baseUrl: string } | undefined;
  appId: { value: string; source: SecretSource } | undefined;
  loadedAt: number;
}

const STORE_KEY = 'settings';
const USER_UID = 'plugin::users-permissions.user';
const CORE_STORE = 'strapi::core-store';
/** The core store row's key: `strapi.store({ type: 'plugin', name })` writes `plugin_<name>_<key>`. */
const STORE_ROW_KEY = `plugin_${PLUGIN_ID}_${STORE_KEY}`;

const STALE_MESSAGE =
  'the settings were changed by someone else since this page was loaded: reload the page and make your changes again';
/** How long another instance's saved settings may take to reach this one. */
const CACHE_MS = 5_000;

export function describeSecret(value: string | undefined, source: SecretSource): SecretStatus {
  if (!value) return { configured: false, last4: null, source: null };
  return { configured: true, last4: value.length >= 8 ? value.slice(-4) : null, source };
}

const LOCKED_MESSAGE =
  'is set in config/plugins.ts (or the environment) and cannot be changed here';

/** The base URL a stored key was saved with (older settings: the base URL saved beside it). */
export function storedKeyBaseUrl(stored: StoredSettings): string {
  return normalizeBaseUrl(stored.apiKeyBaseUrl ?? stored.baseUrl ?? DEFAULT_BASE_URL);
}

function retypeKeyMessage(boundTo: string, action: string): string {
  return `type the API key again to ${action}: the stored key is only ever sent to ${boundTo}, the base URL it was saved with`;
}

export function createSettingsService({ strapi }: { strapi: Core.Strapi }) {
  let fileConfig: PluginConfig | undefined;
  let locked: LockedSettings = { keys: [], roleMap: [], contentTypes: [] };
  let snapshot: Snapshot | undefined;
  let refreshing: Promise<Snapshot> | undefined;
  let cachedClient: { signature: string; client: IflychatClient } | undefined;
  let warnedUndecryptable = false;
  let warnedOtherBaseUrl = false;

  const store = () => strapi.store({ type: 'plugin', name: PLUGIN_ID });
  const encryptionKey = () =>
    strapi.config.get<string | undefined>('admin.secrets.encryptionKey') || undefined;
  const getModel = (uid: string) =>
    strapi.contentTypes[uid as keyof typeof strapi.contentTypes] as ModelLike | undefined;

  function config(): PluginConfig {
    if (!fileConfig) throw new Error('iflychat settings were read before the plugin registered');
    return fileConfig;
  }

  async function readStored(): Promise<StoredSettings> {
    return (await readRow()).value;
  }

  interface StoredRow {
    value: StoredSettings;
    /** The row as stored, to write over it only if no one else did meanwhile. */
    id: number | null;
    raw: string | null;
  }

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

  let writing: Promise<unknown> = Promise.resolve();

  /**
   * Writes the settings over `row` only if it is still what is stored (compare and set on the
   * row's text, which holds on every database and across Strapi instances); a ConflictError
   * otherwise.
   */
  async function writeStored(next: StoredSettings, row: StoredRow): Promise<void> {
    if (row.id === null) {
      await store().set({ key: STORE_KEY, value: next });
      return;
    }
    const written = await strapi.db.query(CORE_STORE).updateMany({
      where: { id: row.id, value: row.raw },
      data: { value: JSON.stringify(next), type: 'object' },
    });
    if (written.count !== 1) throw new ConflictError(STALE_MESSAGE);
  }

  /** Runs `task` after the saves already running in this process (one read-check-write at a time). */
  function serialized<T>(task: () => Promise<T>): Promise<T> {
    const run = writing.then(task, task);
    writing = run.catch(() => undefined);
    return run;
  }

  let upgradeChecked = false;

  /**
   * Once per process: a secret saved in clear before `ENCRYPTION_KEY` existed, or in the older
   * format, is encrypted again in the current one.
   */
  async function upgradeStoredSecrets(): Promise<void> {
    if (upgradeChecked) return;
    upgradeChecked = true;
    const key = encryptionKey();
    if (!key) return;
    // Not serialized with saves (a save refreshes, which would wait for itself): the compare
    // and set keeps it from overwriting one.
    const row = await readRow();
    const apiKey = resealed(row.value.apiKey, key);
    const appId = resealed(row.value.appId, key);
    if (!apiKey && !appId) return;
    const next = { ...row.value, ...(apiKey ? { apiKey } : {}), ...(appId ? { appId } : {}) };
    try {
      await writeStored(next, row);
      strapi.log.info('[iflychat] the stored secrets are now encrypted with the current format');
    } catch (error) {
      // Someone saved meanwhile; the next start does the upgrade.
      if (!(error instanceof ConflictError)) throw error;
    }
  }

  function openStored(secret: StoredSecret | undefined, name: string): string | undefined {
    if (!secret) return undefined;
    const value = openSecret(secret, encryptionKey());
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

  /** Stored bindings that no longer fit their content type are skipped, with a warning. */
  function usableStoredBindings(stored: StoredSettings): Record<string, Binding> {
    const usable: Record<string, Binding> = {};
    for (const [uid, binding] of Object.entries(stored.contentTypes ?? {})) {
      const problems = validateBinding(uid, binding, getModel(uid));
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

  async function refresh(): Promise<Snapshot> {
    const file = config();
    await upgradeStoredSecrets();
    const stored = await readStored();
    const lockedKeys = new Set<ScalarKey>(locked.keys);
    const defaults = pluginConfigSchema.parse({});
    const pick = <K extends Exclude<ScalarKey, 'apiKey' | 'appId'>>(key: K): PluginConfig[K] =>
      lockedKeys.has(key)
        ? file[key]
        : ((stored[key] as PluginConfig[K] | undefined) ?? defaults[key]);

    const secret = (key: 'apiKey' | 'appId') => {
      if (lockedKeys.has(key) && file[key]) return { value: file[key], source: 'config' as const };
      const value = openStored(stored[key], key === 'apiKey' ? 'API key' : 'app id');
      return value ? { value, source: 'admin' as const } : undefined;
    };
    const baseUrl = pick('baseUrl');

    /** The key goes to the base URL it was saved with, and nowhere else. */
    const apiKey = () => {
      const found = secret('apiKey');
      if (!found) return undefined;
      // A key from config/plugins.ts locks baseUrl with it (see load()).
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
    };

    const next: Snapshot = {
      settings: {
        apiVersion: pick('apiVersion'),
        baseUrl,
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
        roleMap: { ...(stored.roleMap ?? {}), ...file.roleMap },
        contentTypes: { ...usableStoredBindings(stored), ...file.contentTypes },
        ...(Object.fromEntries(USER_SETTING_KEYS.map((key) => [key, pick(key)])) as UserSettings),
      },
      revision: stored.revision ?? 0,
      encryptedAtRest:
        Boolean(encryptionKey()) &&
        [stored.apiKey, stored.appId].every((value) => !value || isSealed(value)),
      apiKey: apiKey(),
      appId: secret('appId'),
      loadedAt: Date.now(),
    };
    snapshot = next;
    return next;
  }

  async function current(): Promise<Snapshot> {
    if (snapshot && Date.now() - snapshot.loadedAt < CACHE_MS) return snapshot;
    refreshing ??= refresh().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  }

  function clientFor(options: Parameters<typeof createIflychatClient>[0]): IflychatClient {
    const signature = JSON.stringify(options);
    if (cachedClient?.signature !== signature) {
      cachedClient = { signature, client: createIflychatClient(options) };
    }
    return cachedClient.client;
  }

  /** Answer size caps and proxy: config/plugins.ts only. */
  function transport(snap: Snapshot) {
    const { maxResponseBytes, maxListResponseBytes, proxy } = snap.settings;
    return { maxResponseBytes, maxListResponseBytes, proxy };
  }

  function view(snap: Snapshot): SettingsView {
    const { apiVersion, baseUrl, timeoutMs, concurrency, maxAttempts, roleMap, contentTypes } =
      snap.settings;
    return {
      ...(Object.fromEntries(
        USER_SETTING_KEYS.map((key) => [key, snap.settings[key]])
      ) as UserSettings),
      apiVersion,
      baseUrl,
      timeoutMs,
      concurrency,
      maxAttempts,
      maxRequestsPerSecond: snap.settings.maxRequestsPerSecond ?? null,
      roleMap,
      contentTypes,
      apiKey: describeSecret(snap.apiKey?.value, snap.apiKey?.source ?? null),
      appId: describeSecret(snap.appId?.value, snap.appId?.source ?? null),
      appIdValue: snap.appId?.value ?? null,
      locked,
      encryptedAtRest: snap.encryptedAtRest,
      revision: snap.revision,
    };
  }

  /** Validates and saves what the settings page sent; 400 naming each bad field, 409 if stale. */
  async function save(input: unknown): Promise<SettingsView> {
    const body = parseOr400(settingsUpdateSchema, input);

    const file = config();
    const problems: BindingProblem[] = [];
    const lockedKeys = new Set<ScalarKey>(locked.keys);

    for (const key of ['apiKey', 'appId'] as const) {
      const clear = key === 'apiKey' ? body.clearApiKey : body.clearAppId;
      if (lockedKeys.has(key) && (body[key] || clear)) {
        problems.push({ path: [key], message: LOCKED_MESSAGE });
      }
    }
    for (const key of EDITABLE_SCALAR_KEYS) {
      if (lockedKeys.has(key) && JSON.stringify(body[key]) !== JSON.stringify(file[key])) {
        problems.push({ path: [key], message: LOCKED_MESSAGE });
      }
    }
    for (const [type, id] of Object.entries(body.roleMap)) {
      if (locked.roleMap.includes(type) && file.roleMap[type] !== id) {
        problems.push({ path: ['roleMap', type], message: LOCKED_MESSAGE });
      }
    }
    for (const [uid, binding] of Object.entries(body.contentTypes)) {
      if (locked.contentTypes.includes(uid)) {
        if (JSON.stringify(binding) !== JSON.stringify(file.contentTypes[uid])) {
          problems.push({ path: ['contentTypes', uid], message: LOCKED_MESSAGE });
        }
        continue;
      }
      problems.push(...validateBinding(uid, binding, getModel(uid)));
    }
    const row = await readRow();
    const previous = row.value;
    if (body.revision !== undefined && body.revision !== (previous.revision ?? 0)) {
      throw new ConflictError(STALE_MESSAGE);
    }
    if (!lockedKeys.has('apiKey') && !body.apiKey && !body.clearApiKey && previous.apiKey) {
      const boundTo = storedKeyBaseUrl(previous);
      if (boundTo !== body.baseUrl) {
        problems.push({
          path: ['apiKey'],
          message: retypeKeyMessage(boundTo, `use it with ${body.baseUrl}`),
        });
      }
    }
    const nameProblem = userNameAttributeProblem(getModel(USER_UID), body.userNameAttribute);
    if (nameProblem) problems.push(nameProblem);
    if (problems.length > 0) throw validationError(problems);

    const next: StoredSettings = {
      revision: (previous.revision ?? 0) + 1,
      roleMap: Object.fromEntries(
        Object.entries(body.roleMap).filter(([type]) => !locked.roleMap.includes(type))
      ),
      contentTypes: Object.fromEntries(
        Object.entries(body.contentTypes).filter(([uid]) => !locked.contentTypes.includes(uid))
      ),
    };
    for (const key of EDITABLE_SCALAR_KEYS) {
      if (!lockedKeys.has(key)) (next as Record<string, unknown>)[key] = body[key];
    }
    for (const key of ['apiKey', 'appId'] as const) {
      if (lockedKeys.has(key)) continue;
      const clear = key === 'apiKey' ? body.clearApiKey : body.clearAppId;
      const entered = body[key];
      if (clear) continue;
      if (entered) next[key] = sealSecret(entered, encryptionKey());
      else if (previous[key]) next[key] = previous[key];
    }
    // Checked above: a kept key was saved with this same base URL.
    if (next.apiKey) next.apiKeyBaseUrl = body.baseUrl;
    await writeStored(next, row);
    return view(await refresh());
  }

  return {
    /**
     * Parses `config/plugins.ts` and checks every binding in it against its content type.
     * Throws a {@link PluginConfigError} naming each problem, which stops Strapi.
     */
    load(): void {
      const raw =
        strapi.config.get<Record<string, unknown> | undefined>(`plugin::${PLUGIN_ID}`) ?? {};
      const parsed = parsePluginConfig(raw);
      const problems = validateBindings(parsed, getModel);
      const nameProblem = userNameAttributeProblem(getModel(USER_UID), parsed.userNameAttribute);
      if (nameProblem) problems.push(nameProblem);
      if (problems.length > 0) throw new PluginConfigError(problems.map(formatProblem));
      fileConfig = parsed;
      const isSet = (value: unknown) => value !== undefined && value !== null && value !== '';
      const keys = SCALAR_KEYS.filter((key) => isSet(raw[key]));
      // A key set in the file goes to the file's base URL (or the default) only, so the admin
      // cannot point it elsewhere.
      if (keys.includes('apiKey') && !keys.includes('baseUrl')) keys.push('baseUrl');
      locked = {
        keys,
        roleMap: Object.keys(parsed.roleMap),
        contentTypes: Object.keys(parsed.contentTypes),
      };
      snapshot = undefined;
    },

    /** The settings in force (cached for a few seconds; saving here refreshes at once). */
    async get(): Promise<EffectiveSettings> {
      return (await current()).settings;
    },

    /** The last settings read, for hot paths that must not wait (such as the worker's pool size). */
    cached(): EffectiveSettings | undefined {
      return snapshot?.settings;
    },

    /** The app id in force (public: iFlyChat shows it to every visitor of a page with the widget). */
    async getAppId(): Promise<string | undefined> {
      return (await current()).appId?.value;
    },

    async isConfigured(): Promise<boolean> {
      return Boolean((await current()).apiKey);
    },

    /** A client for the settings in force, or null while no API key is set. */
    async getClient(): Promise<IflychatClient | null> {
      const snap = await current();
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
      return view(await current());
    },

    /** Validates and saves what the settings page sent; throws a 400 naming each bad field. */
    async update(input: unknown): Promise<SettingsView> {
      return serialized(() => save(input));
    },

    /**
     * One harmless call (`rooms/list`) with the entered values, or the ones in force. The stored
     * (or configured) key is only used with the base URL it was saved with: another base URL
     * needs the key typed in the same request, and a key from config/plugins.ts locks both.
     * The answer is one of a few outcomes with a sentence written here, never what the remote
     * server said or a socket error.
     */
    async testConnection(input: unknown): Promise<TestConnection.Response['data']> {
      const request = parseOr400(testConnectionSchema, input);
      const snap = await current();
      const inForce = snap.settings.baseUrl;
      const baseUrl = request.baseUrl ?? inForce;
      const lockedKeys = new Set<ScalarKey>(locked.keys);
      const problems: BindingProblem[] = [];
      if (lockedKeys.has('apiKey') && request.apiKey) {
        problems.push({ path: ['apiKey'], message: LOCKED_MESSAGE });
      }
      if (lockedKeys.has('baseUrl') && baseUrl !== inForce) {
        problems.push({ path: ['baseUrl'], message: LOCKED_MESSAGE });
      }
      if (problems.length > 0) throw validationError(problems);

      let apiKey = request.apiKey;
      if (!apiKey && snap.apiKey) {
        if (snap.apiKey.baseUrl !== baseUrl) {
          throw validationError([
            { path: ['apiKey'], message: retypeKeyMessage(snap.apiKey.baseUrl, `test ${baseUrl}`) },
          ]);
        }
        apiKey = snap.apiKey.value;
      }
      if (!apiKey) {
        return {
          outcome: 'no-key',
          message: 'No API key is set: enter one to test the connection.',
        };
      }
      const timeoutMs = Math.min(snap.settings.timeoutMs, 15_000);
      const client = createIflychatClient({
        apiKey,
        apiVersion: request.apiVersion ?? snap.settings.apiVersion,
        baseUrl,
        timeoutMs,
        ...transport(snap),
      });
      try {
        const rooms = await client.listRooms();
        return {
          outcome: 'ok',
          message: `Connected: iFlyChat answered with ${rooms.length} room(s).`,
          rooms: rooms.length,
        };
      } catch (error) {
        if (!isIflychatError(error)) {
          strapi.log.warn(`[iflychat] the connection test failed: ${String(error)}`);
        }
        return describeTestFailure(error, timeoutMs);
      }
    },
  };
}

/** The outcome of a failed connection test, in the plugin's own words. */
export function describeTestFailure(
  error: unknown,
  timeoutMs: number
): TestConnection.Response['data'] {
  if (error instanceof IflychatApiError && !error.invalidAnswer) {
    if (error.status === 401 || error.status === 403) {
      return {
        outcome: 'invalid-key',
        message: `iFlyChat refused the API key (HTTP ${error.status}).`,
      };
    }
    return {
      outcome: 'error',
      message: `The server answered HTTP ${error.status}, not what iFlyChat answers: check the base URL and the API version.`,
    };
  }
  if (error instanceof IflychatApiError) {
    return {
      outcome: 'error',
      message:
        'The server answered, but not with what iFlyChat answers: check the base URL and the API version.',
    };
  }
  if (isIflychatError(error)) {
    return {
      outcome: 'unreachable',
      message: `No answer from this base URL within ${timeoutMs} ms: check the address and this server's network access.`,
    };
  }
  return { outcome: 'error', message: 'The test failed unexpectedly: see the server log.' };
}

export type SettingsService = ReturnType<typeof createSettingsService>;
