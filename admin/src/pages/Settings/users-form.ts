/**
 * The chat-token part of the settings form (contracts/users.ts): from the view, and back into
 * the request, with the optional URL templates sent only when filled in.
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
    tokenRequestsPerMinute: view.tokenRequestsPerMinute,
    scriptUrl: view.scriptUrl,
  };
}

export function userRequest(values: UserSettings): Partial<SettingsUpdateInput> {
  const optional = (value: string | undefined) => (value?.trim() ? value.trim() : undefined);
  return {
    chatRoleMap: values.chatRoleMap,
    userIdPrefix: values.userIdPrefix.trim(),
    userNameAttribute: values.userNameAttribute.trim(),
    userAvatarUrl: optional(values.userAvatarUrl),
    userProfileUrl: optional(values.userProfileUrl),
    tokenRequestsPerMinute: values.tokenRequestsPerMinute,
    scriptUrl: values.scriptUrl.trim(),
  };
}
