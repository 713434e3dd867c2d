/**
 * `tokenUser(user, params)` in `config/plugins.ts`: the site owner's own adjustment of a chat
 * token's parameters. It runs after the plugin has computed them and gets them under iFlyChat's
 * names; what it returns is validated before anything is sent. A throw, a timeout or output that
 * does not validate leaves the plugin's parameters in force and logs why (the user still gets a
 * token, never a 500). It cannot set `api_key` or `app_id` (unknown keys are refused) nor change
 * `user_id` (bans, kicks and revocation rely on it). It may give `user_roles` the plugin would not:
 * that is the site owner's decision, written in their own code.
 */
import type { Core } from '@strapi/strapi';
import { z } from 'zod';

import { describeIssues, isRoleId } from '../../../contracts/config';
import {
  CHAT_ROLES,
  SECRET_USER_ATTRIBUTES,
  type TokenUserHook,
  type TokenUserParams,
} from '../../../contracts/users';
import type { TokenParams } from '../iflychat/tokens';
import { sanitizeReason } from '../utils/sanitize';
import type { SiteUser } from './params';
import { describe } from '../utils/errors';

/** How long `tokenUser` may take before the plugin's own parameters are used. */
export const TOKEN_USER_TIMEOUT_MS = 2_000;

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const roles = z
  .record(
    z.string().refine((key) => isRoleId(key) && !UNSAFE_KEYS.has(key), {
      message: 'must be an iFlyChat role id: letters, digits, _ - or ., at most 64',
    }),
    z.string().trim().min(1, 'must be a role name').max(255, 'must be at most 255 characters')
  )
  .refine((map) => Object.keys(map).length <= 5_000, 'must hold at most 5000 roles');

const url = z
  .string()
  .trim()
  .max(2_048, 'must be at most 2048 characters')
  .regex(/^https?:\/\/[^\s/?#]+\S*$/i, 'must be an http(s) URL');

export const tokenUserOutputSchema = z.strictObject({
  user_id: z.string(),
  user_name: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(255, 'must be at most 255 characters'),
  chat_role: z.enum(CHAT_ROLES, { error: 'must be admin, moderator, participant or viewer' }),
  user_roles: roles,
  user_site_roles: roles.optional(),
  user_avatar_url: url.optional(),
  user_profile_url: url.optional(),
});

/** The parameters under iFlyChat's names, as copies the hook may change freely. */
export function hookParams(params: TokenParams): TokenUserParams {
  return {
    user_id: params.userId,
    user_name: params.userName,
    chat_role: params.chatRole,
    user_roles: { ...params.userRoles },
    ...(params.siteRoles ? { user_site_roles: { ...params.siteRoles } } : {}),
    ...(params.avatarUrl ? { user_avatar_url: params.avatarUrl } : {}),
    ...(params.profileUrl ? { user_profile_url: params.profileUrl } : {}),
  };
}

/** The hook's answer checked; a string saying what is wrong when it is refused. */
export function checkHookOutput(output: unknown, params: TokenParams): TokenParams | string {
  const result = tokenUserOutputSchema.safeParse(output);
  if (!result.success) return describeIssues(result.error).join('; ');
  const out = result.data;
  if (out.user_id !== params.userId) return 'user_id: cannot be changed';
  return {
    appId: params.appId,
    userId: params.userId,
    userName: out.user_name,
    chatRole: out.chat_role,
    userRoles: Object.fromEntries(Object.entries(out.user_roles)),
    siteRoles: out.user_site_roles && Object.fromEntries(Object.entries(out.user_site_roles)),
    avatarUrl: out.user_avatar_url,
    profileUrl: out.user_profile_url,
  };
}

/** A frozen copy of the user without the attributes Users & Permissions keeps secrets in. */
function publicUser(user: SiteUser): Readonly<Record<string, unknown>> {
  const secret: readonly string[] = SECRET_USER_ATTRIBUTES;
  return Object.freeze(
    Object.fromEntries(Object.entries(user).filter(([key]) => !secret.includes(key)))
  );
}

async function withinTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The parameters after the site's `tokenUser`, or the plugin's own when it fails (logged). */
export async function applyTokenUser(
  strapi: Core.Strapi,
  user: SiteUser,
  params: TokenParams,
  timeoutMs = TOKEN_USER_TIMEOUT_MS
): Promise<TokenParams> {
  const hook = strapi.config.get<unknown>('plugin::iflychat.tokenUser');
  if (typeof hook !== 'function') return params;
  let reason: string;
  try {
    const output = await withinTimeout(
      Promise.resolve((hook as TokenUserHook)(publicUser(user), hookParams(params))),
      timeoutMs
    );
    const checked = checkHookOutput(output, params);
    if (typeof checked !== 'string') return checked;
    reason = `its answer is not valid: ${checked}`;
  } catch (error) {
    const message = describe(error);
    reason = `it failed: ${sanitizeReason(message).slice(0, 300)}`;
  }
  strapi.log.warn(
    `[iflychat] tokenUser in config/plugins was not applied for user ${String(user.id)}, the plugin's own parameters are sent: ${reason}`
  );
  return params;
}
