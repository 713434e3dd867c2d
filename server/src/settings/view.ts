/**
 * What `GET /iflychat/settings` answers: the settings in force, what the file locks, and of each
 * secret only a description (configured, last four characters, source), never the secret.
 */
import type {
  LockedSettings,
  SecretSource,
  SecretStatus,
  SettingsView,
} from '../../../contracts/settings';
import { USER_SETTING_KEYS, type UserSettings } from '../../../contracts/users';
import type { Snapshot } from './snapshot';

export function describeSecret(value: string | undefined, source: SecretSource): SecretStatus {
  if (!value) return { configured: false, last4: null, source: null };
  return { configured: true, last4: value.length >= 8 ? value.slice(-4) : null, source };
}

export function settingsView(snap: Snapshot, locked: LockedSettings): SettingsView {
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
