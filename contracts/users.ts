/**
 * The site's own users in the rooms: the configuration of chat tokens (a block of the plugin
 * configuration, also edited on the settings page) and the shapes of the content-API routes
 * `POST /api/iflychat/token` and `GET /api/iflychat/config`.
 */
import { z } from 'zod';

export const CHAT_ROLES = ['admin', 'moderator', 'participant', 'viewer'] as const;
export type ChatRole = (typeof CHAT_ROLES)[number];

export const DEFAULT_USER_ID_PREFIX = 'strapi-';
export const DEFAULT_USER_NAME_ATTRIBUTE = 'username';
export const DEFAULT_TOKEN_REQUESTS_PER_MINUTE = 10;
/** iFlyChat's CDN: the one host the widget script may come from unless `allowedScriptHosts` adds one. */
export const IFLYCHAT_CDN_HOST = 'cdn.iflychat.com';
export const DEFAULT_SCRIPT_URL = `https://${IFLYCHAT_CDN_HOST}/js/iflychat-v2.min.js`;

const SCRIPT_URL_PATTERN = /^(?:(https?):)?\/\/([^\s/?#@\\]+)(\/[^\s#]*)$/i;
const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$/;

/**
 * Why the widget script URL is refused, or null: it must be `https` (a protocol-relative URL is
 * read as https) on iFlyChat's CDN or on a host `allowedScriptHosts` of `config/plugins.ts` names
 * (plain http only for localhost and 127.x.x.x). The kit loads it on every page that shows a
 * room, so a host anyone with the settings permission could choose would run their script there.
 */
export function scriptUrlProblem(
  value: string,
  allowedHosts: readonly string[] = []
): string | null {
  const match = SCRIPT_URL_PATTERN.exec(value);
  if (!match) return `must be an https URL of a script such as ${DEFAULT_SCRIPT_URL}`;
  const host = match[2].toLowerCase();
  if (host !== IFLYCHAT_CDN_HOST && !allowedHosts.includes(host)) {
    return `must be on ${IFLYCHAT_CDN_HOST}; another host must be listed in allowedScriptHosts in config/plugins.ts`;
  }
  if (match[1]?.toLowerCase() === 'http' && !LOOPBACK_HOST.test(host)) {
    return 'must be an https URL (plain http only for 127.0.0.1 or localhost)';
  }
  return null;
}

/** `allowedScriptHosts` in `config/plugins.ts`: host names, each with an optional port. */
export const allowedScriptHostsSchema = z
  .array(
    z
      .string()
      .trim()
      .toLowerCase()
      .regex(
        /^([a-z0-9-]+\.)*[a-z0-9-]+(:\d{1,5})?$|^\[[0-9a-f:]+\](:\d{1,5})?$/,
        'must be a host name such as chat.example.com, with an optional :port'
      )
  )
  .max(20)
  .default([]);

/** Placeholders a user URL template may hold. */
export const USER_URL_PLACEHOLDERS = ['id', 'documentId', 'username'] as const;

/**
 * Attributes of a user that must never be sent to iFlyChat as a name: Users & Permissions keeps
 * secrets in them.
 */
export const SECRET_USER_ATTRIBUTES = [
  'password',
  'resetPasswordToken',
  'confirmationToken',
] as const;

/** A users-permissions role type, as a key of the role maps. */
export const roleTypeSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][\w-]{0,99}$/, 'must be a role type such as authenticated');

const userUrlTemplate = z
  .string()
  .trim()
  .max(500, 'must be at most 500 characters')
  .optional()
  .nullable()
  .transform((value) => (value ? value : undefined))
  .refine((value) => value === undefined || /^https?:\/\/[^\s/?#]+/.test(value), {
    message: 'must be an http(s) URL such as https://example.com/users/{id}',
  })
  .refine((value) => value === undefined || unknownPlaceholders(value).length === 0, {
    message: `may only use the placeholders ${USER_URL_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
  });

/** The placeholders of a template that are not in {@link USER_URL_PLACEHOLDERS}. */
export function unknownPlaceholders(template: string): string[] {
  const known: readonly string[] = USER_URL_PLACEHOLDERS;
  return [...template.matchAll(/\{([^{}]*)\}/g)]
    .map((match) => match[1])
    .filter((name) => !known.includes(name));
}

/** An attribute of the user, by name (checked against the user model where it is used). */
const optionalUserAttribute = z
  .string()
  .trim()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,99}$/, 'must name an attribute of the user')
  .optional()
  .nullable()
  .or(z.literal(''))
  .transform((value) => (value ? value : undefined));

/** Usernames of people given a chat role whatever their site role. */
const usernameList = z
  .array(z.string().trim().min(1, 'must not hold an empty username').max(255))
  .max(1_000, 'must hold at most 1000 usernames')
  .default([]);

/** The configuration keys of chat tokens, merged into the plugin's configuration schema. */
export const userConfigFields = {
  /** users-permissions role type → iFlyChat `chat_role`; a type not listed is a participant. */
  chatRoleMap: z
    .record(
      roleTypeSchema,
      z.enum(CHAT_ROLES, { error: 'must be admin, moderator, participant or viewer' })
    )
    .default({}),
  /** Put before the user's id to make the iFlyChat `user_id`. */
  userIdPrefix: z
    .string()
    .trim()
    .regex(/^[\w.:-]{0,40}$/, 'must be at most 40 letters, digits, or _ . : -')
    .default(DEFAULT_USER_ID_PREFIX),
  /** The user attribute sent as `user_name`. */
  userNameAttribute: z
    .string()
    .trim()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,99}$/, 'must name an attribute of the user')
    .refine((value) => !(SECRET_USER_ATTRIBUTES as readonly string[]).includes(value), {
      message: 'must not be a secret attribute of the user',
    })
    .default(DEFAULT_USER_NAME_ATTRIBUTE),
  /** `user_avatar_url`, from `{id}`, `{documentId}`, `{username}`. */
  userAvatarUrl: userUrlTemplate,
  /** `user_profile_url`, from the same placeholders. */
  userProfileUrl: userUrlTemplate,
  /** A single-media attribute of the user whose file is sent as `user_avatar_url` (before the template). */
  userAvatarField: optionalUserAttribute,
  /** Without another avatar, Gravatar's image for the user's e-mail (its hash goes into the URL). */
  userAvatarGravatar: z.boolean().default(false),
  /** A boolean attribute of the user: true makes them a chat admin. */
  chatAdminAttribute: optionalUserAttribute,
  /** A boolean attribute of the user: true makes them a chat moderator. */
  chatModeratorAttribute: optionalUserAttribute,
  /** Usernames that are chat admins. */
  chatAdminUsernames: usernameList,
  /** Usernames that are chat moderators. */
  chatModeratorUsernames: usernameList,
  /** Token requests one user may make per minute before getting 429. */
  tokenRequestsPerMinute: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(DEFAULT_TOKEN_REQUESTS_PER_MINUTE),
  /**
   * The widget script the front-end kit loads (`?app_id=` is added): on iFlyChat's CDN, or on a
   * host `allowedScriptHosts` names (checked with the rest of the configuration, see
   * {@link scriptUrlProblem}).
   */
  scriptUrl: z
    .string()
    .trim()
    .max(500, 'must be at most 500 characters')
    .regex(SCRIPT_URL_PATTERN, `must be an https URL of a script such as ${DEFAULT_SCRIPT_URL}`)
    .default(DEFAULT_SCRIPT_URL),
};

/** The keys above, locked one by one when set in `config/plugins.ts`. */
export const USER_SETTING_KEYS = [
  'chatRoleMap',
  'userIdPrefix',
  'userNameAttribute',
  'userAvatarUrl',
  'userProfileUrl',
  'userAvatarField',
  'userAvatarGravatar',
  'chatAdminAttribute',
  'chatModeratorAttribute',
  'chatAdminUsernames',
  'chatModeratorUsernames',
  'tokenRequestsPerMinute',
  'scriptUrl',
] as const;

/**
 * The `token/generate` parameters, under iFlyChat's names, that a `tokenUser` function of
 * `config/plugins.ts` is given and returns (never `api_key` or `app_id`).
 */
export interface TokenUserParams {
  user_id: string;
  user_name: string;
  chat_role: ChatRole;
  user_roles: Record<string, string>;
  user_site_roles?: Record<string, string>;
  user_avatar_url?: string;
  user_profile_url?: string;
}

/** `tokenUser(user, params)` in `config/plugins.ts`: the parameters to send instead. */
export type TokenUserHook = (
  user: Readonly<Record<string, unknown>>,
  params: TokenUserParams
) => TokenUserParams | Promise<TokenUserParams>;

export const userSettingsSchema = z.object(userConfigFields);
export type UserSettings = z.output<typeof userSettingsSchema>;

/** `POST /api/iflychat/token` (a signed-in Users & Permissions user; no body). */
export namespace IssueToken {
  export interface Response {
    data: {
      /** The chat token for iFlyChat's widget (`iflychat_auth_token`). */
      token: string;
      /** ISO date after which iFlyChat no longer accepts the token. */
      expiresAt: string;
      /** iFlyChat's public app id. */
      appId: string;
      /** The user's iFlyChat `user_id`. */
      userId: string;
      /** The widget script to load, with its `app_id`. */
      scriptUrl: string;
    };
  }
}

/** `GET /api/iflychat/config` (public): what a page needs to load the widget for a guest. */
export namespace PublicConfig {
  export interface Response {
    data: { appId: string; scriptUrl: string };
  }
}

/** The widget script URL for an app id. */
export function widgetScriptUrl(scriptUrl: string, appId: string): string {
  const separator = scriptUrl.includes('?') ? '&' : '?';
  return `${scriptUrl}${separator}app_id=${encodeURIComponent(appId)}`;
}
