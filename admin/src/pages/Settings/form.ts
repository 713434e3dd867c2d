/**
 * The settings form as plain data: built from what the server answers, turned into the request
 * the server expects, and validated with the same schema the server uses.
 */
import type { Binding } from '../../../../contracts/config';
import { issueMessage, roomPerLocaleProblem } from '../../../../contracts/config';
import { userFormValues, userRequest } from './users-form';
import {
  settingsUpdateSchema,
  tuningBounds,
  TUNING_KEYS,
  type BindableContentType,
  type SettingsUpdateInput,
  type SettingsView,
  type TuningKey,
} from '../../../../contracts/settings';

/** A write-only secret in the form: keep what is stored, type a new one, or remove it. */
export interface SecretDraft {
  mode: 'keep' | 'replace' | 'clear';
  input: string;
}

/**
 * The settings as the page edits them: the view's values, with drafts for the secrets, and the
 * tuning numbers possibly empty (null) while being typed.
 */
export type FormValues = Omit<
  SettingsView,
  'apiKey' | 'appId' | 'appIdValue' | 'locked' | 'encryptedAtRest' | TuningKey
> & {
  apiKey: SecretDraft;
  appId: SecretDraft;
} & { [K in TuningKey]: number | null };

/** Field errors keyed by their path joined with dots, such as `contentTypes.api::a.a.roomName`. */
export type FormErrors = Record<string, string>;

export function fromView(view: SettingsView): FormValues {
  return {
    apiKey: { mode: view.apiKey.configured ? 'keep' : 'replace', input: '' },
    appId: { mode: view.appId.configured ? 'keep' : 'replace', input: '' },
    apiVersion: view.apiVersion,
    baseUrl: view.baseUrl,
    timeoutMs: view.timeoutMs,
    concurrency: view.concurrency,
    maxAttempts: view.maxAttempts,
    maxRequestsPerSecond: view.maxRequestsPerSecond,
    revision: view.revision,
    roleMap: { ...view.roleMap },
    contentTypes: structuredClone(view.contentTypes),
    ...userFormValues(view),
  };
}

export function toRequest(values: FormValues): SettingsUpdateInput {
  const secret = (draft: SecretDraft) =>
    draft.mode === 'replace' && draft.input.trim() ? draft.input.trim() : undefined;
  // An empty required number is reported by validate() and never sent.
  const number = (value: number | null) => value ?? Number.NaN;
  return {
    revision: values.revision,
    apiKey: secret(values.apiKey),
    clearApiKey: values.apiKey.mode === 'clear' ? true : undefined,
    appId: secret(values.appId),
    clearAppId: values.appId.mode === 'clear' ? true : undefined,
    apiVersion: values.apiVersion,
    baseUrl: values.baseUrl.trim(),
    timeoutMs: number(values.timeoutMs),
    concurrency: number(values.concurrency),
    maxAttempts: number(values.maxAttempts),
    maxRequestsPerSecond: values.maxRequestsPerSecond,
    roleMap: Object.fromEntries(
      Object.entries(values.roleMap)
        .map(([type, id]) => [type, id.trim()] as const)
        .filter(([, id]) => id !== '')
    ),
    contentTypes: values.contentTypes,
    ...userRequest(values),
  };
}

export function pathKey(path: ReadonlyArray<string | number | symbol>): string {
  return path.map(String).join('.');
}

/**
 * Client-side validation: the shared schema, so the server would say the same; with the site's
 * content types, also what the server checks against them (one room per locale).
 */
export function validate(values: FormValues, types: BindableContentType[] = []): FormErrors {
  const errors: FormErrors = {};
  for (const key of TUNING_KEYS) {
    if (values[key] === null && !tuningBounds(key).optional) errors[key] = 'is required';
  }
  const result = settingsUpdateSchema.safeParse(toRequest(values));
  if (!result.success) {
    for (const issue of result.error.issues) {
      errors[pathKey(issue.path)] ??= issueMessage(issue);
    }
  }
  for (const [uid, id] of Object.entries(values.roleMap)) {
    if (id !== '' && id.trim() === '') errors[pathKey(['roleMap', uid])] = 'must not be empty';
  }
  for (const [uid, binding] of Object.entries(values.contentTypes)) {
    const type = types.find((candidate) => candidate.uid === uid);
    if (!type || binding.roomPer !== 'locale') continue;
    const problem = roomPerLocaleProblem(
      uid,
      binding.roomIdField,
      type.localized,
      type.roomIdFields.includes(binding.roomIdField)
        ? type.localizedRoomIdFields.includes(binding.roomIdField)
        : undefined
    );
    if (problem) errors[pathKey(['contentTypes', uid, 'roomPer'])] ??= problem;
  }
  return errors;
}

/** The field errors of a 400 answer from the server, in the same shape. */
export function serverErrors(details: unknown): FormErrors {
  const list = (details as { errors?: Array<{ path?: unknown[]; message?: string }> } | undefined)
    ?.errors;
  const errors: FormErrors = {};
  for (const error of list ?? []) {
    if (Array.isArray(error.path) && error.message) {
      errors[pathKey(error.path as string[])] ??= error.message;
    }
  }
  return errors;
}

export function isDirty(values: FormValues, initial: FormValues): boolean {
  return JSON.stringify(values) !== JSON.stringify(initial);
}

export type RoleMode = 'everyone' | 'role' | 'field' | 'members';
export type FlagMode = 'off' | 'on' | 'field';

export function roleMode(source: Binding['roomRole']): RoleMode {
  if (source === 'everyone') return 'everyone';
  if ('members' in source) return 'members';
  return 'role' in source ? 'role' : 'field';
}

export function flagMode(source: Binding['private']): FlagMode {
  if (typeof source === 'boolean') return source ? 'on' : 'off';
  return 'field';
}

/** Attribute names meant for a room id: `roomId`, `room_id`, `chatRoomId`, `iflychatRoomId`... */
const ROOM_ID_NAME = /room_?id$/i;

/**
 * A new binding for a content type, prefilled from its attributes. The room id field is only
 * prefilled with an attribute named for it: the first publish writes over whatever it holds, so
 * another field (such as `name`) is never offered by default; the editor must pick one.
 */
export function defaultBinding(type: { nameFields: string[]; roomIdFields: string[] }): Binding {
  const nameField =
    type.nameFields.find((field) => ['name', 'title'].includes(field)) ?? type.nameFields[0];
  const roomIdField = type.roomIdFields.find((field) => ROOM_ID_NAME.test(field)) ?? '';
  return {
    roomName: nameField ? `{${nameField}}` : '{documentId}',
    roomIdField,
    roomRole: 'everyone',
    private: false,
    moderate: false,
    roomPer: 'document',
    onUnpublish: 'keep',
    onDelete: 'keep',
  };
}
