/**
 * Settings: the configuration from `config/plugins.ts`, parsed and checked against the content
 * types once at startup. The API key stays inside this service: callers get a ready client, or a
 * description of the key that never contains it.
 */
import type { Core } from '@strapi/strapi';

import type { PluginConfig } from '../../../contracts/config';
import { parsePluginConfig, PluginConfigError } from '../config/parse';
import { validateBindings } from '../config/bindings';
import { createIflychatClient, type IflychatClient } from '../iflychat/client';
import { PLUGIN_ID } from '../utils/get-service';

export type KeySource = 'config' | null;

export interface SecretStatus {
  configured: boolean;
  last4: string | null;
  source: KeySource;
}

export function describeSecret(value: string | undefined, source: KeySource): SecretStatus {
  if (!value) return { configured: false, last4: null, source: null };
  return { configured: true, last4: value.length >= 8 ? value.slice(-4) : null, source };
}

export function createSettingsService({ strapi }: { strapi: Core.Strapi }) {
  let config: PluginConfig | undefined;
  let cachedClient: { signature: string; client: IflychatClient } | undefined;

  function current(): PluginConfig {
    if (!config) throw new Error('iflychat settings were read before the plugin registered');
    return config;
  }

  return {
    /**
     * Parses the static configuration and checks every binding against its content type.
     * Throws a {@link PluginConfigError} naming each problem, which stops Strapi.
     */
    load(): PluginConfig {
      const parsed = parsePluginConfig(strapi.config.get(`plugin::${PLUGIN_ID}`));
      const problems = validateBindings(
        parsed,
        (uid) => strapi.contentTypes[uid as keyof typeof strapi.contentTypes]
      );
      if (problems.length > 0) throw new PluginConfigError(problems);
      config = parsed;
      cachedClient = undefined;
      return parsed;
    },

    /** The settings in force (without the secrets). */
    get(): Omit<PluginConfig, 'apiKey' | 'appId'> {
      const { apiKey: _apiKey, appId: _appId, ...rest } = current();
      return rest;
    },

    isConfigured(): boolean {
      return Boolean(current().apiKey);
    },

    describeApiKey(): SecretStatus {
      return describeSecret(current().apiKey, 'config');
    },

    /** A client for the settings in force, or null while no API key is set. */
    getClient(): IflychatClient | null {
      const { apiKey, apiVersion, baseUrl, timeoutMs } = current();
      if (!apiKey) return null;
      const signature = JSON.stringify([apiKey, apiVersion, baseUrl, timeoutMs]);
      if (cachedClient?.signature !== signature) {
        cachedClient = {
          signature,
          client: createIflychatClient({ apiKey, apiVersion, baseUrl, timeoutMs }),
        };
      }
      return cachedClient.client;
    },
  };
}

export type SettingsService = ReturnType<typeof createSettingsService>;
