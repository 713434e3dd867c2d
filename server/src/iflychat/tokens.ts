/**
 * iFlyChat's user tokens: `token/generate` and `token/{token}/delete`. Tokens exist only under
 * API 1.1; with `apiVersion` '1.0' the body is form-encoded, as the older integrations send it.
 * Both calls take the client's request path (base URL, timeout, redaction, typed errors).
 */
import type { ChatRole } from '../../../contracts/users';
import { callPath } from './catalogue';
import type { IflychatClient } from './client';
import { answerWithout } from './errors';

export const TOKEN_GENERATE_PATH = callPath('token.generate', '1.1');

export interface TokenParams {
  appId: string;
  userId: string;
  userName: string;
  chatRole: ChatRole;
  /** iFlyChat role id → role name; a room's `room_role` must be one of the keys. */
  userRoles: Record<string, string>;
  /** Every room role of the site, id → name: sent for chat admins and moderators. */
  siteRoles?: Record<string, string>;
  avatarUrl?: string;
  profileUrl?: string;
}

export interface IssuedToken {
  token: string;
  /** Seconds the token is valid for, as iFlyChat answered. */
  expiresInSeconds: number;
}

type Requester = Pick<IflychatClient, 'request'>;

/** The body of `token/generate` (without the API key, which the request path adds). */
export function tokenFields(params: TokenParams) {
  return {
    app_id: params.appId,
    user_id: params.userId,
    user_name: params.userName,
    chat_role: params.chatRole,
    user_roles: params.userRoles,
    user_site_roles: params.siteRoles,
    user_avatar_url: params.avatarUrl,
    user_profile_url: params.profileUrl,
  };
}

/**
 * Reads `{"key": "…", "expires_in": "67770"}`; iFlyChat's own sample spells the second key
 * `"expires_in "`, so both are accepted.
 */
export function parseTokenAnswer(answer: unknown, path = TOKEN_GENERATE_PATH): IssuedToken {
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) {
    throw answerWithout(path, 'a token');
  }
  const key = Object.hasOwn(answer, 'key') ? (answer as { key: unknown }).key : undefined;
  if (typeof key !== 'string' || !/^[\x21-\x7e]{1,2048}$/.test(key)) {
    throw answerWithout(path, 'a token "key"');
  }
  const raw = ['expires_in', 'expires_in '].find((name) => Object.hasOwn(answer, name));
  const value = raw === undefined ? undefined : (answer as Record<string, unknown>)[raw];
  const seconds =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\s*\d+\s*$/.test(value)
        ? Number(value)
        : NaN;
  if (!Number.isSafeInteger(seconds) || seconds <= 0) {
    throw answerWithout(path, 'a positive "expires_in"');
  }
  return { token: key, expiresInSeconds: seconds };
}

/** `POST /api/1.1/token/generate`. */
export async function generateToken(client: Requester, params: TokenParams): Promise<IssuedToken> {
  return parseTokenAnswer(
    await client.request(TOKEN_GENERATE_PATH, tokenFields(params)),
    TOKEN_GENERATE_PATH
  );
}

/** `POST /api/1.1/token/{token}/delete`: iFlyChat forgets the token. */
export async function deleteToken(client: Requester, token: string): Promise<void> {
  const path = callPath('token.delete', '1.1', { token });
  await client.request(path, {});
}
