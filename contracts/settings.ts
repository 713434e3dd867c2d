/**
 * The admin API of the settings page: request and response shapes, and the schemas that validate
 * requests on the server and the form in the admin.
 */
import { z } from 'zod';

import {
  API_VERSIONS,
  baseUrlSchema,
  bindingSchema,
  pluginConfigFields,
  type Binding,
} from './config';
import { USER_SETTING_KEYS, userConfigFields, type UserSettings } from './users';

export const PERMISSIONS = {
  read: 'plugin::iflychat.settings.read',
  update: 'plugin::iflychat.settings.update',
  manageRooms: 'plugin::iflychat.rooms.manage',
  readRooms: 'plugin::iflychat.rooms.read',
  /** Link an entry to a room it never had (rooms of deleted entries, rooms made elsewhere). */
  linkAnyRoom: 'plugin::iflychat.rooms.link-any',
  /** Who is online, kick, ban, history, transcripts, the moderation log (contracts/moderation.ts). */
  moderate: 'plugin::iflychat.chat.moderate',
} as const;

/** Where a secret in force comes from: the config file / environment, the admin, or nowhere. */
export type SecretSource = 'config' | 'admin' | null;

/** What the admin may know about a secret: never the secret itself. */
export interface SecretStatus {
  configured: boolean;
  /** The last four characters, only for secrets of at least 8 characters. */
  last4: string | null;
  source: SecretSource;
}

/** The plain values the settings page edits (the secrets are handled apart). */
export const EDITABLE_SCALAR_KEYS = [
  'apiVersion',
  'baseUrl',
  'timeoutMs',
  'concurrency',
  'maxAttempts',
  'maxRequestsPerSecond',
  ...USER_SETTING_KEYS,
] as const;

/** Keys that a value in `config/plugins.ts` (or the environment) takes out of the admin's hands. */
export const SCALAR_KEYS = ['apiKey', 'appId', ...EDITABLE_SCALAR_KEYS] as const;
export type ScalarKey = (typeof SCALAR_KEYS)[number];

export interface LockedSettings {
  /** Top-level keys set in the config file. */
  keys: ScalarKey[];
  /** Role types whose iFlyChat id is set in the config file. */
  roleMap: string[];
  /** Content types bound in the config file. */
  contentTypes: string[];
}

export interface SettingsView extends UserSettings {
  apiKey: SecretStatus;
  appId: SecretStatus;
  /** The app id itself: iFlyChat calls it the public APP ID, so it is shown in clear. */
  appIdValue: string | null;
  apiVersion: (typeof API_VERSIONS)[number];
  baseUrl: string;
  timeoutMs: number;
  concurrency: number;
  maxAttempts: number;
  /** Calls to iFlyChat per second and Strapi instance; null: no limit. */
  maxRequestsPerSecond: number | null;
  roleMap: Record<string, string>;
  contentTypes: Record<string, Binding>;
  locked: LockedSettings;
  /**
   * Whether the stored secrets really are encrypted (AES-256-GCM): false without Strapi's
   * `admin.secrets.encryptionKey`, or while a secret saved before it existed is still in clear.
   */
  encryptedAtRest: boolean;
  /** Changes with every save: a save made from an older revision is refused (HTTP 409). */
  revision: number;
}

export namespace GetSettings {
  export interface Response {
    data: SettingsView;
  }
}

const base = pluginConfigFields;

const REVISION_HINT = 'send the revision the settings were loaded with (GET /iflychat/settings)';

/**
 * `PUT /iflychat/settings`. Secrets are write-only: an empty or missing `apiKey` keeps the stored
 * key; `clearApiKey: true` removes it. Every other field replaces the stored value.
 */
export const settingsUpdateSchema = z.strictObject({
  /**
   * The revision the form was loaded from (`revision` of `GET /iflychat/settings`); required, so
   * that no client can save over a change it never saw. A stale one is refused with HTTP 409.
   */
  revision: z
    .number({
      error: (issue) =>
        `${issue.input === undefined ? 'is required' : 'must be a number'}: ${REVISION_HINT}`,
    })
    .int(`must be a whole number: ${REVISION_HINT}`)
    .nonnegative(`must be a whole number: ${REVISION_HINT}`),
  apiKey: z.string().trim().optional(),
  clearApiKey: z.boolean().optional(),
  appId: z.string().trim().optional(),
  clearAppId: z.boolean().optional(),
  apiVersion: base.apiVersion,
  baseUrl: base.baseUrl,
  timeoutMs: base.timeoutMs,
  concurrency: base.concurrency,
  maxAttempts: base.maxAttempts,
  /** Absent or null: no limit. */
  maxRequestsPerSecond: base.maxRequestsPerSecond.nullable(),
  roleMap: base.roleMap,
  contentTypes: base.contentTypes,
  ...userConfigFields,
  /** Set in config/plugins.ts only: refused here with the field named. */
  allowedScriptHosts: z
    .never({ error: 'can only be set in config/plugins.ts, not from the admin panel' })
    .optional(),
});

export type SettingsUpdateInput = z.input<typeof settingsUpdateSchema>;
export type SettingsUpdate = z.output<typeof settingsUpdateSchema>;

export namespace UpdateSettings {
  export type Request = SettingsUpdateInput;
  export interface Response {
    data: SettingsView;
  }
}

/** `POST /iflychat/settings/test-connection`: the entered values, or the stored ones. */
export const testConnectionSchema = z.strictObject({
  apiKey: z.string().trim().optional(),
  apiVersion: base.apiVersion.optional(),
  baseUrl: baseUrlSchema.optional(),
});

/**
 * What a connection test can answer, each with a sentence the plugin writes (never iFlyChat's
 * body or a socket error): connected, key refused, no answer, an answer that is not iFlyChat's
 * (`error`), or no key to test with.
 */
export type TestConnectionOutcome = 'ok' | 'invalid-key' | 'unreachable' | 'error' | 'no-key';

export namespace TestConnection {
  export type Request = z.input<typeof testConnectionSchema>;
  export interface Response {
    data: { outcome: TestConnectionOutcome; message: string; rooms?: number };
  }
}

export interface BindableContentType {
  uid: string;
  displayName: string;
  /** Attributes usable in the room name template. */
  nameFields: string[];
  /** string / integer / biginteger attributes that can receive the room id. */
  roomIdFields: string[];
  /** A single relation to users-permissions role, an enumeration or a string. */
  roleFields: string[];
  /** Boolean attributes, for private and moderate. */
  booleanFields: string[];
  /** Many-to-many or one-to-many relations to users, for members-only rooms. */
  memberFields: string[];
  /** Translated with i18n: the binding may give each locale its own room. */
  localized: boolean;
  /** Of `roomIdFields`, those with a value per locale (needed for one room per locale). */
  localizedRoomIdFields: string[];
}

export namespace ListContentTypes {
  export interface Response {
    data: BindableContentType[];
  }
}

export interface SiteRole {
  id: number;
  name: string;
  type: string;
  description: string | null;
  /** Whether the role may ask for chat tokens (`POST /api/iflychat/token`). */
  tokenRoute: boolean;
}

export namespace ListRoles {
  export interface Response {
    data: SiteRole[];
  }
}

export const previewSchema = z.strictObject({
  uid: z.string().min(1),
  roomName: bindingSchema.shape.roomName,
});

export namespace PreviewRoomName {
  export type Request = z.input<typeof previewSchema>;
  export interface Response {
    /** null when the content type has no entry yet. */
    data: { preview: string | null; documentId: string | null };
  }
}

/** `POST /iflychat/backfill` and `GET /iflychat/backfill?uid=`: rooms for existing entries. */
export const backfillSchema = z.strictObject({
  uid: z.string().min(1, 'must name a bound content type'),
});

export interface BackfillProgress {
  uid: string;
  /** Distinct published documents of the content type. */
  total: number;
  /** Documents whose room exists. */
  done: number;
  failed: number;
  /** Documents still waiting for a room (queued, retrying, or not queued yet). */
  remaining: number;
}

export namespace Backfill {
  export type Request = z.input<typeof backfillSchema>;
  export interface Response {
    data: BackfillProgress;
  }
}

/** The delivery tuning the settings page shows (its "Delivery" section). */
export const TUNING_KEYS = [
  'timeoutMs',
  'concurrency',
  'maxAttempts',
  'maxRequestsPerSecond',
] as const;
export type TuningKey = (typeof TUNING_KEYS)[number];

export interface TuningBounds {
  min: number;
  /** The minimum itself is not allowed (`maxRequestsPerSecond` must be more than 0). */
  minExclusive: boolean;
  max: number;
  integer: boolean;
  /** May be left empty (no limit). */
  optional: boolean;
}

/** A tuning key's bounds, read from the config schema so the page and config/plugins.ts agree. */
export function tuningBounds(key: TuningKey): TuningBounds {
  const field = pluginConfigFields[key];
  // Each is a number with a default, or an optional number.
  const number = field.unwrap();
  const min = number.minValue ?? 0;
  return {
    min,
    minExclusive: !number.safeParse(min).success,
    max: number.maxValue ?? Number.MAX_SAFE_INTEGER,
    integer: number.isInt,
    optional: field instanceof z.ZodOptional,
  };
}

/**
 * `POST /iflychat/settings/check-account`: the values of Test connection, and the app id to issue
 * the throwaway token with (else the one in force).
 */
export const accountCheckSchema = testConnectionSchema.extend({
  appId: z.string().trim().optional(),
});

/** The calls the account check makes, in order (ids of the plugin's iFlyChat call list). */
export const ACCOUNT_CHECK_CALLS = [
  'room.create',
  'room.edit',
  'rooms.list',
  'room.delete',
  'token.generate',
  'token.delete',
] as const;
export type AccountCheckCall = (typeof ACCOUNT_CHECK_CALLS)[number];

/**
 * What one call of the account check came to: it works; iFlyChat refused it although it took the
 * key for another call (`plan`); it refused the key for every call (`invalid-key`); the path is
 * unknown (`not-found`: the API may have changed); no answer in time (`unreachable`); an answer
 * that is not iFlyChat's (`not-iflychat`); or not tried (`skipped`).
 */
export type AccountCheckOutcome =
  'works' | 'plan' | 'invalid-key' | 'not-found' | 'unreachable' | 'not-iflychat' | 'skipped';

export interface AccountCheckLine {
  call: AccountCheckCall;
  /** The path called, such as `/api/1.1/room/create` (`{roomId}` when no room was made). */
  path: string;
  outcome: AccountCheckOutcome;
  /** The HTTP status iFlyChat answered, when it answered one that was not a success. */
  status?: number;
  /** The sentence the plugin writes for this line (never iFlyChat's body). */
  message: string;
}

export interface AccountCheckResult {
  /** Every call the settings need works (a skipped call is not needed). */
  ok: boolean;
  /** No API key to check with. */
  noKey: boolean;
  /** One sentence for the whole check. */
  message: string;
  lines: AccountCheckLine[];
  /** The throwaway room that could not be deleted: delete it in iFlyChat. */
  leftoverRoomId: string | null;
}

export namespace AccountCheck {
  export type Request = z.input<typeof accountCheckSchema>;
  export interface Response {
    data: AccountCheckResult;
  }
}
