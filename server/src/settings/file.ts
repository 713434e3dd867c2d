/**
 * The settings of `config/plugins.ts`: parsed and checked once at register, and the keys, roles
 * and content types they lock (the admin sees them read-only and cannot change them).
 */
import type { Core } from '@strapi/strapi';

import type { PluginConfig } from '../../../contracts/config';
import { SCALAR_KEYS, type LockedSettings } from '../../../contracts/settings';
import { parsePluginConfig, PluginConfigError } from '../config/parse';
import { formatProblem, validateBindings, type ModelLike } from '../config/bindings';
import { identityAttributeProblems, userNameAttributeProblem } from '../tokens/user-model';
import { PLUGIN_ID } from '../utils/get-service';

export const USER_UID = 'plugin::users-permissions.user';

export const LOCKED_MESSAGE =
  'is set in config/plugins.ts (or the environment) and cannot be changed here';

export function modelOf(strapi: Core.Strapi, uid: string): ModelLike | undefined {
  return strapi.contentTypes[uid as keyof typeof strapi.contentTypes];
}

export type FileSettings = ReturnType<typeof createFileSettings>;

export function createFileSettings(strapi: Core.Strapi) {
  let fileConfig: PluginConfig | undefined;
  let locked: LockedSettings = { keys: [], roleMap: [], contentTypes: [] };
  const getModel = (uid: string) => modelOf(strapi, uid);

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
      problems.push(...identityAttributeProblems(getModel(USER_UID), parsed));
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
    },

    /** The parsed file; throws before {@link load} has run. */
    config(): PluginConfig {
      if (!fileConfig) throw new Error('iflychat settings were read before the plugin registered');
      return fileConfig;
    },

    locked(): LockedSettings {
      return locked;
    },
  };
}
