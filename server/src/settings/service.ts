/**
 * Settings: what is in force, merged key by key from `config/plugins.ts` (which wins and is
 * read-only in the admin) and from what admins saved on the settings page (the plugin store).
 *
 * The API key and app id stay inside this service: callers get a ready client, or a description
 * of a secret (configured, last four characters, source) that never contains it.
 */
import type { Core } from '@strapi/strapi';

import { pluginConfigSchema, type Binding, type PluginConfig } from '../../../contracts/config';
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
import { PLUGIN_ID } from '../utils/get-service';
import { parseOr400, validationError } from '../utils/validation';
import { openSecret, sealSecret, type StoredSecret } from './secrets';

/** What the settings page saved. Absent keys fall back to the defaults. */
export interface StoredSettings {
  apiKey?: StoredSecret;
  appId?: StoredSecret;
  apiVersion?: PluginConfig['apiVersion'];
  baseUrl?: string;
  timeoutMs?: number;
  concurrency?: number;
  maxAttempts?: number;
  roleMap?: Record<string, string>;
  contentTypes?: Record<string, Binding>;
}

/** The settings in force, without the secrets. */
export type EffectiveSettings = Omit<PluginConfig, 'apiKey' | 'appId'>;

interface Snapshot {
  settings: EffectiveSettings;
  apiKey: { value: string; source: SecretSource } | undefined;
  appId: { value: string; source: SecretSource } | undefined;
  loadedAt: number;
}

const STORE_KEY = 'settings';
/** How long another instance's saved settings may take to reach this one. */
const CACHE_MS = 5_000;

export function describeSecret(value: string | undefined, source: SecretSource): SecretStatus {
  if (!value) return { configured: false, last4: null, source: null };
  return { configured: true, last4: value.length >= 8 ? value.slice(-4) : null, source };
}

const LOCKED_MESSAGE =
  'is set in config/plugins.ts (or the environment) and cannot be changed here';

export function createSettingsService({ strapi }: { strapi: Core.Strapi }) {
  let fileConfig: PluginConfig | undefined;
  let locked: LockedSettings = { keys: [], roleMap: [], contentTypes: [] };
  let snapshot: Snapshot | undefined;
  let refreshing: Promise<Snapshot> | undefined;
  let cachedClient: { signature: string; client: IflychatClient } | undefined;
  let warnedUndecryptable = false;

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
    const value = (await store().get({ key: STORE_KEY })) as StoredSettings | null | undefined;
    return value && typeof value === 'object' ? value : {};
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

    const next: Snapshot = {
      settings: {
        apiVersion: pick('apiVersion'),
        baseUrl: pick('baseUrl'),
        timeoutMs: pick('timeoutMs'),
        concurrency: pick('concurrency'),
        maxAttempts: pick('maxAttempts'),
        // Operational tuning lives in config/plugins.ts only.
        maxRequestsPerSecond: file.maxRequestsPerSecond,
        retryBaseDelayMs: file.retryBaseDelayMs,
        retryMaxDelayMs: file.retryMaxDelayMs,
        leaseSeconds: file.leaseSeconds,
        sweepIntervalSeconds: file.sweepIntervalSeconds,
        adoptExistingRoomIds: file.adoptExistingRoomIds,
        roleMap: { ...(stored.roleMap ?? {}), ...file.roleMap },
        contentTypes: { ...usableStoredBindings(stored), ...file.contentTypes },
      },
      apiKey: secret('apiKey'),
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

  function view(snap: Snapshot): SettingsView {
    const { apiVersion, baseUrl, timeoutMs, concurrency, maxAttempts, roleMap, contentTypes } =
      snap.settings;
    return {
      apiVersion,
      baseUrl,
      timeoutMs,
      concurrency,
      maxAttempts,
      roleMap,
      contentTypes,
      apiKey: describeSecret(snap.apiKey?.value, snap.apiKey?.source ?? null),
      appId: describeSecret(snap.appId?.value, snap.appId?.source ?? null),
      locked,
      encryptedAtRest: Boolean(encryptionKey()),
    };
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
      if (problems.length > 0) throw new PluginConfigError(problems.map(formatProblem));
      fileConfig = parsed;
      const isSet = (value: unknown) => value !== undefined && value !== null && value !== '';
      locked = {
        keys: SCALAR_KEYS.filter((key) => isSet(raw[key])),
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

    async isConfigured(): Promise<boolean> {
      return Boolean((await current()).apiKey);
    },

    /** A client for the settings in force, or null while no API key is set. */
    async getClient(): Promise<IflychatClient | null> {
      const snap = await current();
      if (!snap.apiKey) return null;
      const { apiVersion, baseUrl, timeoutMs } = snap.settings;
      return clientFor({ apiKey: snap.apiKey.value, apiVersion, baseUrl, timeoutMs });
    },

    /** What `GET /iflychat/settings` answers. */
    async view(): Promise<SettingsView> {
      return view(await current());
    },

    /** Validates and saves what the settings page sent; throws a 400 naming each bad field. */
    async update(input: unknown): Promise<SettingsView> {
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
        if (lockedKeys.has(key) && body[key] !== file[key]) {
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
      if (problems.length > 0) throw validationError(problems);

      const previous = await readStored();
      const next: StoredSettings = {
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
      await store().set({ key: STORE_KEY, value: next });
      return view(await refresh());
    },

    /** One harmless call (`rooms/list`) with the entered values, or the ones in force. */
    async testConnection(input: unknown): Promise<TestConnection.Response['data']> {
      const request = parseOr400(testConnectionSchema, input);
      const snap = await current();
      const apiKey = request.apiKey || snap.apiKey?.value;
      if (!apiKey) {
        return {
          outcome: 'no-key',
          message: 'No API key is set: enter one to test the connection.',
        };
      }
      const client = createIflychatClient({
        apiKey,
        apiVersion: request.apiVersion ?? snap.settings.apiVersion,
        baseUrl: (request.baseUrl ?? snap.settings.baseUrl).replace(/\/+$/, ''),
        timeoutMs: Math.min(snap.settings.timeoutMs, 15_000),
      });
      try {
        const rooms = await client.listRooms();
        return {
          outcome: 'ok',
          message: `Connected: iFlyChat answered with ${rooms.length} room(s).`,
          rooms: rooms.length,
        };
      } catch (error) {
        if (error instanceof IflychatApiError && (error.status === 401 || error.status === 403)) {
          return { outcome: 'invalid-key', message: error.message };
        }
        if (isIflychatError(error) && error.kind !== 'api') {
          return { outcome: 'unreachable', message: error.message };
        }
        return {
          outcome: 'error',
          message: isIflychatError(error) ? error.message : 'Unexpected error',
        };
      }
    },
  };
}

export type SettingsService = ReturnType<typeof createSettingsService>;
