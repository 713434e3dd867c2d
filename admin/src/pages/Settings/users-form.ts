/**
 * The chat-token part of the settings form (contracts/users.ts): from the view, and back into
 * the request, with the optional URL templates and attributes sent only when filled in.
 */
import type { SettingsUpdateInput, SettingsView } from '../../../../contracts/settings';
import type { UserSettings } from '../../../../contracts/users';

export function userFormValues(view: SettingsView): UserSettings {
  return {
    chatRoleMap: { ...view.chatRoleMap },
    userIdPrefix: view.userIdPrefix,
    userNameAttribute: view.userNameAttribute,
    userAvatarUrl: view.userAvatarUrl ?? '',
    userProfileUrl: view.userProfileUrl ?? '',
    userAvatarField: view.userAvatarField ?? '',
    userAvatarGravatar: view.userAvatarGravatar,
    chatAdminAttribute: view.chatAdminAttribute ?? '',
    chatModeratorAttribute: view.chatModeratorAttribute ?? '',
    chatAdminUsernames: [...view.chatAdminUsernames],
    chatModeratorUsernames: [...view.chatModeratorUsernames],
    tokenRequestsPerMinute: view.tokenRequestsPerMinute,
    scriptUrl: view.scriptUrl,
  };
}

/** A list of usernames as the page edits it: comma-separated, kept as typed until saved. */
export function usernamesText(list: string[]): string {
  return list.join(',');
}

export function usernamesList(text: string): string[] {
  return text === '' ? [] : text.split(',');
}

function usernames(list: string[]): string[] {
  return list.map((name) => name.trim()).filter(Boolean);
}

export function userRequest(values: UserSettings): Partial<SettingsUpdateInput> {
  const optional = (value: string | undefined) => (value?.trim() ? value.trim() : undefined);
  return {
    chatRoleMap: values.chatRoleMap,
    userIdPrefix: values.userIdPrefix.trim(),
    userNameAttribute: values.userNameAttribute.trim(),
    userAvatarUrl: optional(values.userAvatarUrl),
    userProfileUrl: optional(values.userProfileUrl),
    userAvatarField: optional(values.userAvatarField),
    userAvatarGravatar: values.userAvatarGravatar,
    chatAdminAttribute: optional(values.chatAdminAttribute),
    chatModeratorAttribute: optional(values.chatModeratorAttribute),
    chatAdminUsernames: usernames(values.chatAdminUsernames),
    chatModeratorUsernames: usernames(values.chatModeratorUsernames),
    tokenRequestsPerMinute: values.tokenRequestsPerMinute,
    scriptUrl: values.scriptUrl.trim(),
  };
}
