/**
 * Saving the settings page: every field checked (what the file locks stays as the file says,
 * bindings fit their content type, a kept key stays with its base URL), then written over the
 * row read, unless someone saved since the page was loaded (409).
 */
import type { Core } from '@strapi/strapi';

import type { PluginConfig } from '../../../contracts/config';
import {
  EDITABLE_SCALAR_KEYS,
  settingsUpdateSchema,
  type LockedSettings,
  type ScalarKey,
  type SettingsUpdate,
} from '../../../contracts/settings';
import { scriptUrlProblem } from '../../../contracts/users';
import { validateBinding, type BindingProblem } from '../config/bindings';
import { identityAttributeProblems, userNameAttributeProblem } from '../tokens/user-model';
import { ConflictError } from '../utils/errors';
import { parseOr400, validationError } from '../utils/validation';
import { LOCKED_MESSAGE, modelOf, USER_UID, type FileSettings } from './file';
import { roomIdValueProblems } from './room-id-values';
import { sealSecret } from './secrets';
import type { Snapshot, Snapshots } from './snapshot';
import {
  encryptionKey,
  retypeKeyMessage,
  STALE_MESSAGE,
  storedKeyBaseUrl,
  type SettingsStore,
  type StoredSettings,
} from './stored';

/** Changes to what the file locks, and bindings that do not fit their content type. */
function fieldProblems(
  strapi: Core.Strapi,
  body: SettingsUpdate,
  file: PluginConfig,
  locked: LockedSettings
): BindingProblem[] {
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
    problems.push(...validateBinding(uid, binding, modelOf(strapi, uid)));
  }
  return problems;
}

/** What is stored next: the editable fields, and each secret entered, kept or cleared. */
function nextStored(
  body: SettingsUpdate,
  previous: StoredSettings,
  locked: LockedSettings,
  key: string | undefined
): StoredSettings {
  const lockedKeys = new Set<ScalarKey>(locked.keys);
  const next: StoredSettings = {
    revision: (previous.revision ?? 0) + 1,
    roleMap: Object.fromEntries(
      Object.entries(body.roleMap).filter(([type]) => !locked.roleMap.includes(type))
    ),
    contentTypes: Object.fromEntries(
      Object.entries(body.contentTypes).filter(([uid]) => !locked.contentTypes.includes(uid))
    ),
  };
  for (const scalar of EDITABLE_SCALAR_KEYS) {
    if (!lockedKeys.has(scalar)) (next as Record<string, unknown>)[scalar] = body[scalar];
  }
  for (const secret of ['apiKey', 'appId'] as const) {
    if (lockedKeys.has(secret)) continue;
    const clear = secret === 'apiKey' ? body.clearApiKey : body.clearAppId;
    const entered = body[secret];
    if (clear) continue;
    if (entered) next[secret] = sealSecret(entered, key);
    else if (previous[secret]) next[secret] = previous[secret];
  }
  // Checked before: a kept key was saved with this same base URL.
  if (next.apiKey) next.apiKeyBaseUrl = body.baseUrl;
  return next;
}

/**
 * Validates and saves what the settings page sent, then reads the settings in force again;
 * 400 naming each bad field, 409 if stale.
 */
export async function saveSettings(
  {
    strapi,
    files,
    store,
    snapshots,
  }: { strapi: Core.Strapi; files: FileSettings; store: SettingsStore; snapshots: Snapshots },
  input: unknown
): Promise<Snapshot> {
  const body = parseOr400(settingsUpdateSchema, input);
  const locked = files.locked();
  const problems = fieldProblems(strapi, body, files.config(), locked);
  const scriptProblem = scriptUrlProblem(body.scriptUrl, files.config().allowedScriptHosts);
  if (scriptProblem) problems.push({ path: ['scriptUrl'], message: scriptProblem });

  const row = await store.readRow();
  const previous = row.value;
  if (body.revision !== (previous.revision ?? 0)) {
    throw new ConflictError(STALE_MESSAGE);
  }
  if (!locked.keys.includes('apiKey') && !body.apiKey && !body.clearApiKey && previous.apiKey) {
    const boundTo = storedKeyBaseUrl(previous);
    if (boundTo !== body.baseUrl) {
      problems.push({
        path: ['apiKey'],
        message: retypeKeyMessage(boundTo, `use it with ${body.baseUrl}`),
      });
    }
  }
  // Only bindings that fit their type: their room id field is a real attribute to query.
  const fitting = Object.entries(body.contentTypes).filter(
    ([uid]) =>
      !locked.contentTypes.includes(uid) &&
      !problems.some((problem) => problem.path[0] === 'contentTypes' && problem.path[1] === uid)
  );
  problems.push(...(await roomIdValueProblems(strapi, fitting, previous.contentTypes)));
  const nameProblem = userNameAttributeProblem(modelOf(strapi, USER_UID), body.userNameAttribute);
  if (nameProblem) problems.push(nameProblem);
  problems.push(...identityAttributeProblems(modelOf(strapi, USER_UID), body));
  if (problems.length > 0) throw validationError(problems);

  await store.write(nextStored(body, previous, locked, encryptionKey(strapi)), row);
  return snapshots.refresh();
}
