/**
 * The plugin's configuration contract: what a site owner writes under `iflychat.config` in
 * `config/plugins.ts` (and, later, what the settings page saves). One schema, used by the server
 * at startup and by the admin for client-side validation; the TypeScript types are inferred from it.
 */
import { z } from 'zod';

import {
  allowedScriptHostsSchema,
  roleTypeSchema,
  scriptUrlProblem,
  userConfigFields,
  type TokenUserHook,
} from './users';

export const API_VERSIONS = ['1.1', '1.0'] as const;
export type ApiVersion = (typeof API_VERSIONS)[number];

export const DEFAULT_BASE_URL = 'https://api.iflychat.com';
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Largest answer read from iFlyChat; a longer one is cut off and treated as invalid. */
export const DEFAULT_MAX_RESPONSE_BYTES = 1_048_576;
/** The same for `rooms/list`, which grows with the number of rooms in the account. */
export const DEFAULT_MAX_LIST_RESPONSE_BYTES = 16 * 1_048_576;

export const ROOM_SCOPES = ['document', 'locale'] as const;
export type RoomScope = (typeof ROOM_SCOPES)[number];
export const ROOM_POLICIES = ['keep', 'delete'] as const;
export type RoomPolicy = (typeof ROOM_POLICIES)[number];

/** `{ field: 'isPrivate' }`: the value is read from an attribute of the entry. */
const fieldRefSchema = z.strictObject({
  field: z.string().trim().min(1, 'must name an attribute'),
});

const flagSchema = z.union([z.boolean(), fieldRefSchema], {
  error: 'must be true, false or { field: "<boolean attribute>" }',
});

/**
 * The `room_role` of a members-only room starts with this: the role map may not use it (see
 * `roleMap` below), so a room of members never shares its role with a role of the site.
 */
export const MEMBER_ROLE_PREFIX = 'member-';

/** Whether an iFlyChat role id is in the range kept for members-only rooms. */
export function isMemberRoleId(value: string): boolean {
  return value.toLowerCase().startsWith(MEMBER_ROLE_PREFIX);
}

/** `{ members: 'members', alsoRole: 'staff' }`: the users of a relation, and optionally a role. */
const membersRefSchema = z.strictObject({
  members: z.string().trim().min(1, 'must name a relation to users'),
  /** A users-permissions role type whose users enter every room of this binding. */
  alsoRole: roleTypeSchema.optional(),
});

/**
 * Which Strapi role a room is for:
 * - `'everyone'`: iFlyChat `room_role` 0 (all users);
 * - `{ role: 'authenticated' }`: a fixed users-permissions role type, mapped through `roleMap`;
 * - `{ field: 'audience' }`: read from the entry (a relation to a users-permissions role, an
 *   enumeration or a string holding a role type), mapped through `roleMap`;
 * - `{ members: 'members', alsoRole?: 'staff' }`: the users the entry's relation to users lists
 *   (and every user of the `alsoRole` role type): the room gets a `room_role` of its own.
 */
export const roomRoleSchema = z.union(
  [
    z.literal('everyone'),
    z.strictObject({ role: z.string().trim().min(1, 'must name a role type') }),
    fieldRefSchema,
    membersRefSchema,
  ],
  {
    error:
      'must be "everyone", { role: "<role type>" }, { field: "<attribute>" } or { members: "<relation to users>" }',
  }
);

export const bindingSchema = z.strictObject({
  /** Template over the entry's attributes, such as `{name}` or `Community: {name}`. */
  roomName: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .refine((value) => /\{[^{}\s]+\}/.test(value), {
      message: 'must contain at least one {attribute} placeholder',
    }),
  /** The attribute that receives the `room_id` (string, integer or biginteger). */
  roomIdField: z.string().trim().min(1, 'must name an attribute'),
  /**
   * Chat per entry: absent or `true`, every published entry has a room; `{ field }`, an entry
   * whose boolean attribute is `false` has none (empty counts as on), as if it were unpublished.
   */
  enabled: z
    .union([z.literal(true), fieldRefSchema], {
      error: 'must be true or { field: "<boolean attribute>" }',
    })
    .optional(),
  roomRole: roomRoleSchema.default('everyone'),
  private: flagSchema.default(false),
  moderate: flagSchema.default(false),
  /**
   * i18n content types: `'document'` gives all locales one room (named from the default locale),
   * `'locale'` gives each locale its own room (the room id attribute must then be localized).
   */
  roomPer: z.enum(ROOM_SCOPES, { error: 'must be "document" or "locale"' }).default('document'),
  /** What happens to the room when the entry is unpublished: kept, or deleted in iFlyChat. */
  onUnpublish: z.enum(ROOM_POLICIES, { error: 'must be "keep" or "delete"' }).default('keep'),
  /** What happens to the room when the entry is deleted: kept, or deleted in iFlyChat. */
  onDelete: z.enum(ROOM_POLICIES, { error: 'must be "keep" or "delete"' }).default('keep'),
});

/** Only the site's own (`api::`) content types can be bound: never a plugin's or Strapi's. */
const contentTypeUidSchema = z
  .string()
  .regex(
    /^api::[\w-]+\.[\w-]+$/,
    'must be an api:: content type uid such as api::community.community'
  );

/**
 * Whether a host name is this machine: `localhost`, 127.0.0.0/8 or ::1. Plain `http` is only
 * accepted for these (the emulator, tests, the demo); anything else must be `https`.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host === '::1') return true;
  const parts = host.split('.');
  return (
    parts.length === 4 &&
    parts[0] === '127' &&
    parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)
  );
}

/**
 * Why a base URL is refused, or null when it is fine: `https` (or `http` on loopback only), no
 * credentials, no query string and no fragment (which would let a base URL reach any path).
 */
export function baseUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an https URL such as https://api.iflychat.com';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    return 'must be an https URL such as https://api.iflychat.com (plain http only for 127.0.0.1 or localhost)';
  }
  if (url.username || url.password) return 'must not contain a user name or password';
  if (url.search || url.hash || value.includes('?') || value.includes('#')) {
    return 'must not contain a query string (?) or a fragment (#)';
  }
  return null;
}

/** A base URL as it is stored and compared: trimmed, without trailing slashes. */
export function normalizeBaseUrl(value: string): string {
  return value.trim().replace(/\/+$/, '');
}

export const baseUrlSchema = z
  .string({ error: 'must be an https URL such as https://api.iflychat.com' })
  .trim()
  .superRefine((value, ctx) => {
    const problem = baseUrlProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform(normalizeBaseUrl);

/**
 * An iFlyChat role id as the role map accepts it, and as every `room_role` / `user_roles` key
 * sent must be: letters, digits, `_`, `-` or `.`, at most 64 characters (`0` is "all users").
 */
export const ROLE_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

export function isRoleId(value: unknown): value is string {
  return typeof value === 'string' && ROLE_ID_PATTERN.test(value);
}

const optionalSecret = z
  .string()
  .trim()
  .optional()
  .nullable()
  // `env('IFLYCHAT_API_KEY')` is undefined or '' when the variable is not set: both mean "not set here".
  .transform((value) => (value ? value : undefined));

const pluginConfigObject = z.strictObject({
  apiKey: optionalSecret,
  appId: optionalSecret,
  apiVersion: z.enum(API_VERSIONS).default('1.1'),
  baseUrl: baseUrlSchema.default(DEFAULT_BASE_URL),
  timeoutMs: z.number().int().min(100).max(120_000).default(DEFAULT_TIMEOUT_MS),
  /** Largest answer read from iFlyChat, in bytes; longer ones are invalid answers. */
  maxResponseBytes: z
    .number()
    .int()
    .min(1_024)
    .max(64 * 1_048_576)
    .default(DEFAULT_MAX_RESPONSE_BYTES),
  /** The same for `rooms/list` (at least maxResponseBytes is used). */
  maxListResponseBytes: z
    .number()
    .int()
    .min(1_024)
    .max(512 * 1_048_576)
    .default(DEFAULT_MAX_LIST_RESPONSE_BYTES),
  /** An http(s) proxy for the calls to iFlyChat; none unless set here (the environment's is ignored). */
  proxy: z
    .url({ protocol: /^https?$/, message: 'must be an http(s) URL such as http://proxy:3128' })
    .optional(),
  /** Calls to iFlyChat that one Strapi instance's room jobs make at the same time. */
  concurrency: z.number().int().min(1).max(64).default(4),
  /** Attempts before a job that keeps failing for a passing reason is marked failed. */
  maxAttempts: z.number().int().min(1).max(100).default(8),
  /**
   * Optional ceiling on calls to iFlyChat per second, for each Strapi instance: room jobs and chat
   * tokens share it, tokens taking at most half while rooms wait (server/src/iflychat/budget.ts).
   */
  maxRequestsPerSecond: z.number().positive().max(1000).optional(),
  /** First retry delay; each further attempt doubles it (with jitter), up to retryMaxDelayMs. */
  retryBaseDelayMs: z.number().int().min(10).max(600_000).default(2_000),
  retryMaxDelayMs: z.number().int().min(10).max(86_400_000).default(600_000),
  /** How long a claimed job is reserved for its worker before another may take it over. */
  leaseSeconds: z.number().int().min(5).max(3_600).default(120),
  /**
   * A room id an entry carries on its first publish (typed by hand, imported) is adopted: only
   * when iFlyChat lists it and no other entry owns it. Off: the entry gets a room of its own.
   */
  adoptExistingRoomIds: z.boolean().default(false),
  /**
   * Blocking a Users & Permissions user bans them in iFlyChat; unblocking unbans them
   * (server/src/moderation/block-sync.ts). Off: blocking only revokes their chat tokens.
   */
  banBlockedUsers: z.boolean().default(false),
  /** How often the audit looks for what a lost event missed (one page of entries and rows a tick). */
  sweepIntervalSeconds: z.number().int().min(5).max(3_600).default(60),
  /**
   * Most members-only rooms one chat token opens (one `user_roles` key each); the rooms past it
   * are left out of the token and named in the log.
   */
  memberRoomsPerToken: z.number().int().min(1).max(5_000).default(500),
  /** users-permissions role type (`public`, `authenticated`, custom types) -> iFlyChat role id. */
  roleMap: z
    .record(
      z.string().trim().min(1),
      z
        .union([z.string().trim().min(1, 'must not be empty'), z.number().int().nonnegative()])
        .transform(String)
        .refine(isRoleId, 'must be an iFlyChat role id: letters, digits, _ - or ., at most 64')
        .refine(
          (value) => !isMemberRoleId(value),
          `must not start with "${MEMBER_ROLE_PREFIX}": those ids are kept for members-only rooms`
        )
    )
    .transform((map) => Object.fromEntries(Object.entries(map)))
    .default({}),
  contentTypes: z.record(contentTypeUidSchema, bindingSchema).default({}),
  /** Chat tokens for the site's users (contracts/users.ts). */
  ...userConfigFields,
  /**
   * Hosts besides cdn.iflychat.com the widget script (`scriptUrl`) may come from; config file
   * only, never the settings page, which could otherwise point every page at a script of its own.
   */
  allowedScriptHosts: allowedScriptHostsSchema,
  /** Adjusts each chat token's parameters; config file only (server/src/tokens/token-user.ts). */
  tokenUser: z
    .custom<TokenUserHook>((value) => typeof value === 'function', {
      message: 'must be a function (user, params) => params',
    })
    .optional(),
});

export const pluginConfigSchema = pluginConfigObject.superRefine((config, ctx) => {
  // A lease must outlive the longest call, or a slow job could be taken over and run twice.
  if (config.leaseSeconds * 1000 < config.timeoutMs * 3) {
    ctx.addIssue({
      code: 'custom',
      path: ['leaseSeconds'],
      message: `must be at least 3 × timeoutMs (${Math.ceil((config.timeoutMs * 3) / 1000)} s)`,
    });
  }
  if (config.retryMaxDelayMs < config.retryBaseDelayMs) {
    ctx.addIssue({
      code: 'custom',
      path: ['retryMaxDelayMs'],
      message: 'must not be smaller than retryBaseDelayMs',
    });
  }
  const scriptProblem = scriptUrlProblem(config.scriptUrl, config.allowedScriptHosts);
  if (scriptProblem) ctx.addIssue({ code: 'custom', path: ['scriptUrl'], message: scriptProblem });
});

/**
 * The rule of one room per locale, shared by the server's checks and the settings form: the
 * content type must be localized, and so must its room id attribute (`roomIdLocalized`:
 * undefined when that attribute is not known, which is reported elsewhere). Null when it holds.
 */
export function roomPerLocaleProblem(
  uid: string,
  roomIdField: string,
  typeLocalized: boolean,
  roomIdLocalized: boolean | undefined
): string | null {
  if (!typeLocalized) return `${uid} is not localized (i18n), so it has one room per document`;
  if (roomIdLocalized === false) {
    return `one room per locale needs a localized room id attribute; "${roomIdField}" is shared by all locales`;
  }
  return null;
}

/** The fields of the configuration, for schemas that reuse some of them. */
export const pluginConfigFields = pluginConfigObject.shape;

export type PluginConfigInput = z.input<typeof pluginConfigSchema>;
export type PluginConfig = z.output<typeof pluginConfigSchema>;
export type Binding = z.output<typeof bindingSchema>;
export type RoomRoleSource = z.output<typeof roomRoleSchema>;
export type FlagSource = Binding['private'];

/** Turns zod issues into `path: message` lines that name the offending key. */
export function describeIssues(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    return `${path || '(root)'}: ${issueMessage(issue)}`;
  });
}

/** The reason of one issue; a bad record key reports its own reason one level down. */
export function issueMessage(issue: z.core.$ZodIssue): string {
  return issue.code === 'invalid_key' && issue.issues[0] ? issue.issues[0].message : issue.message;
}
