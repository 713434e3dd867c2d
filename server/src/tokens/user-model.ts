/**
 * The user attribute a chat name is read from must be a plain text attribute of the user that
 * Users & Permissions does not keep private (never the password hash or a reset token).
 */
import type { BindingProblem, ModelLike } from '../config/bindings';

const NAME_TYPES = new Set(['string', 'text', 'email', 'uid', 'enumeration']);

export function userNameAttributeProblem(
  model: ModelLike | undefined,
  attribute: string
): BindingProblem | null {
  if (!model) return null; // Users & Permissions is not installed: there are no site users
  const definition = Object.hasOwn(model.attributes, attribute)
    ? (model.attributes[attribute] as { type: string; private?: boolean })
    : undefined;
  if (!definition) {
    return { path: ['userNameAttribute'], message: `the user has no attribute "${attribute}"` };
  }
  if (definition.private === true || !NAME_TYPES.has(definition.type)) {
    return {
      path: ['userNameAttribute'],
      message: `"${attribute}" is not a public text attribute of the user`,
    };
  }
  return null;
}

export type UserModel = ModelLike;

/**
 * The avatar field must be a single-media attribute of the user; the admin and moderator
 * attributes boolean attributes of the user.
 */
export function identityAttributeProblems(
  model: ModelLike | undefined,
  settings: {
    userAvatarField?: string;
    chatAdminAttribute?: string;
    chatModeratorAttribute?: string;
  }
): BindingProblem[] {
  if (!model) return [];
  const problems: BindingProblem[] = [];
  const definition = (attribute: string) =>
    Object.hasOwn(model.attributes, attribute)
      ? (model.attributes[attribute] as { type: string; multiple?: boolean })
      : undefined;
  const avatar = settings.userAvatarField;
  if (avatar !== undefined) {
    const found = definition(avatar);
    if (!found || found.type !== 'media' || found.multiple === true) {
      problems.push({
        path: ['userAvatarField'],
        message: `"${avatar}" is not a single-media attribute of the user`,
      });
    }
  }
  for (const key of ['chatAdminAttribute', 'chatModeratorAttribute'] as const) {
    const attribute = settings[key];
    if (attribute !== undefined && definition(attribute)?.type !== 'boolean') {
      problems.push({
        path: [key],
        message: `"${attribute}" is not a boolean attribute of the user`,
      });
    }
  }
  return problems;
}
