/**
 * Checks each binding of the configuration against the real schema of its content type. Runs in
 * `register()`, when every content type is known, so that a typo stops Strapi at startup instead
 * of failing at the first publish.
 */
import { roomPerLocaleProblem, type Binding, type PluginConfig } from '../../../contracts/config';

export const ROLE_UID = 'plugin::users-permissions.role';

/** Placeholders that are always available in a room name template. */
export const BUILT_IN_PLACEHOLDERS = ['documentId', 'locale'] as const;

export interface AttributeLike {
  type: string;
  relation?: string;
  target?: string;
  enum?: string[];
  configurable?: boolean;
  pluginOptions?: { i18n?: { localized?: boolean } };
}

export interface ModelLike {
  uid: string;
  options?: { draftAndPublish?: boolean };
  pluginOptions?: { i18n?: { localized?: boolean } };
  attributes: Record<string, AttributeLike>;
}

export const ROOM_ID_TYPES = new Set(['string', 'integer', 'biginteger']);
export const TEMPLATE_TYPES = new Set([
  'string',
  'text',
  'email',
  'uid',
  'enumeration',
  'integer',
  'biginteger',
  'decimal',
  'float',
  'date',
  'datetime',
]);

export function templatePlaceholders(template: string): string[] {
  return [...template.matchAll(/\{([^{}\s]+)\}/g)].map((match) => match[1]);
}

export function isRoleRelation(attribute: AttributeLike | undefined): boolean {
  return (
    attribute?.type === 'relation' &&
    attribute.target === ROLE_UID &&
    (attribute.relation === 'manyToOne' || attribute.relation === 'oneToOne')
  );
}

/** Attribute kinds a role can be read from: a single role relation, an enumeration or a string. */
export function isRoleSource(attribute: AttributeLike | undefined): boolean {
  return (
    isRoleRelation(attribute) || attribute?.type === 'enumeration' || attribute?.type === 'string'
  );
}

/** A problem with a binding: where (as a path into the configuration) and what. */
export interface BindingProblem {
  path: string[];
  message: string;
}

export function formatProblem(problem: BindingProblem): string {
  return `${problem.path.join('.')}: ${problem.message}`;
}

/** Whether the content type is translated with the i18n plugin. */
export function isLocalized(model: ModelLike | undefined): boolean {
  return model?.pluginOptions?.i18n?.localized === true;
}

/** Whether an attribute of a localized content type holds a value per locale. */
export function isLocalizedAttribute(attribute: AttributeLike | undefined): boolean {
  return attribute?.pluginOptions?.i18n?.localized === true;
}

export function validateBinding(
  uid: string,
  binding: Binding,
  model: ModelLike | undefined
): BindingProblem[] {
  const problems: BindingProblem[] = [];
  const report = (field: string[], message: string) =>
    problems.push({ path: ['contentTypes', uid, ...field], message });
  if (!model) {
    report([], 'there is no content type with this uid');
    return problems;
  }
  const attributes = model.attributes;

  if (!model.options?.draftAndPublish) {
    report([], 'draft & publish is off for this content type, so it is never published');
  }

  const roomIdAttribute = attributes[binding.roomIdField];
  if (!roomIdAttribute) {
    report(['roomIdField'], `"${binding.roomIdField}" is not an attribute of ${uid}`);
  } else if (!ROOM_ID_TYPES.has(roomIdAttribute.type)) {
    report(
      ['roomIdField'],
      `"${binding.roomIdField}" is a ${roomIdAttribute.type} attribute; it must be string, integer or biginteger`
    );
  }

  if (binding.roomPer === 'locale') {
    const problem = roomPerLocaleProblem(
      uid,
      binding.roomIdField,
      isLocalized(model),
      roomIdAttribute ? isLocalizedAttribute(roomIdAttribute) : undefined
    );
    if (problem) report(['roomPer'], problem);
  }

  for (const name of templatePlaceholders(binding.roomName)) {
    if ((BUILT_IN_PLACEHOLDERS as readonly string[]).includes(name)) continue;
    const attribute = attributes[name];
    if (!attribute) {
      report(['roomName'], `{${name}} is not an attribute of ${uid}`);
    } else if (!TEMPLATE_TYPES.has(attribute.type)) {
      report(['roomName'], `{${name}} is a ${attribute.type} attribute, which has no text form`);
    }
  }

  const role = binding.roomRole;
  if (typeof role === 'object' && 'field' in role) {
    const attribute = attributes[role.field];
    if (!attribute) {
      report(['roomRole', 'field'], `"${role.field}" is not an attribute of ${uid}`);
    } else if (!isRoleSource(attribute)) {
      report(
        ['roomRole', 'field'],
        `"${role.field}" must be a single relation to ${ROLE_UID}, an enumeration or a string`
      );
    }
  }

  for (const flag of ['private', 'moderate'] as const) {
    const source = binding[flag];
    if (typeof source !== 'object') continue;
    const attribute = attributes[source.field];
    if (!attribute) {
      report([flag, 'field'], `"${source.field}" is not an attribute of ${uid}`);
    } else if (attribute.type !== 'boolean') {
      report(
        [flag, 'field'],
        `"${source.field}" is a ${attribute.type} attribute; it must be boolean`
      );
    }
  }

  return problems;
}

export function validateBindings(
  config: Pick<PluginConfig, 'contentTypes'>,
  getModel: (uid: string) => ModelLike | undefined
): BindingProblem[] {
  return Object.entries(config.contentTypes).flatMap(([uid, binding]) =>
    validateBinding(uid, binding, getModel(uid))
  );
}
