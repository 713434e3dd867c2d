/**
 * Checks each binding of the configuration against the real schema of its content type. Runs in
 * `register()`, when every content type is known, so that a typo stops Strapi at startup instead
 * of failing at the first publish.
 */
import { roomPerLocaleProblem, type Binding, type PluginConfig } from '../../../contracts/config';

export const ROLE_UID = 'plugin::users-permissions.role';
export const USER_UID = 'plugin::users-permissions.user';

/** Placeholders that are always available in a room name template. */
export const BUILT_IN_PLACEHOLDERS = ['documentId', 'locale'] as const;

export interface AttributeLike {
  type: string;
  relation?: string;
  target?: string;
  enum?: string[];
  configurable?: boolean;
  /** Never returned by Strapi's APIs: never put in a room name either. */
  private?: boolean;
  pluginOptions?: { i18n?: { localized?: boolean } };
}

export interface ModelLike {
  uid: string;
  options?: { draftAndPublish?: boolean };
  pluginOptions?: { i18n?: { localized?: boolean } };
  attributes: Record<string, AttributeLike>;
}

export const ROOM_ID_TYPES = new Set(['string', 'integer', 'biginteger']);

/**
 * Attributes Strapi manages itself. None of them may receive a room id (`locale` would rewrite
 * every language row's locale, `documentId` would merge documents), and none is offered in a
 * binding.
 */
export const SYSTEM_ATTRIBUTES: ReadonlySet<string> = new Set([
  'id',
  'documentId',
  'createdAt',
  'updatedAt',
  'publishedAt',
  'createdBy',
  'updatedBy',
  'locale',
  'localizations',
  'strapi_stage',
  'strapi_assignee',
]);

/** Why an attribute cannot receive the room id, or null when it can. */
export function roomIdFieldProblem(
  name: string,
  attribute: AttributeLike | undefined,
  uid: string
): string | null {
  if (SYSTEM_ATTRIBUTES.has(name) || attribute?.configurable === false) {
    return `"${name}" is managed by Strapi and cannot receive the room id`;
  }
  if (!attribute) return `"${name}" is not an attribute of ${uid}`;
  if (attribute.type === 'relation' || !ROOM_ID_TYPES.has(attribute.type)) {
    return `"${name}" is a ${attribute.type} attribute; it must be string, integer or biginteger`;
  }
  return null;
}

/**
 * Why the room id field would overwrite what the binding reads, or null: the first publish
 * writes the room id over that attribute (the room name's `{title}`, the role field...), and a
 * private attribute holds what the site keeps to itself.
 */
/** What a site owner should do instead of binding a field that holds content. */
export const ADD_ROOM_ID = 'Add a roomId attribute (Big integer or Text) and pick it here';

export function roomIdFieldClash(binding: Binding, attribute: AttributeLike | undefined) {
  const name = binding.roomIdField;
  if (templatePlaceholders(binding.roomName).includes(name)) {
    return `"${name}" is used in the room name (${binding.roomName}); the room id would overwrite it. ${ADD_ROOM_ID}`;
  }
  const role = binding.roomRole;
  const readsIt =
    (typeof role === 'object' && 'field' in role && role.field === name) ||
    (typeof role === 'object' && 'members' in role && role.members === name) ||
    [binding.private, binding.moderate, binding.enabled].some(
      (flag) => typeof flag === 'object' && flag.field === name
    );
  if (readsIt) {
    return `"${name}" is read by this binding (room role, members or a flag); the room id would overwrite it. ${ADD_ROOM_ID}`;
  }
  if (attribute?.private === true) {
    return `"${name}" is a private attribute, kept for something else. ${ADD_ROOM_ID}`;
  }
  return null;
}

/** The binding of a content type: own keys only, so a uid such as `constructor` is unbound. */
export function bindingFor(
  contentTypes: Record<string, Binding>,
  uid: string
): Binding | undefined {
  return Object.hasOwn(contentTypes, uid) ? contentTypes[uid] : undefined;
}

/** An attribute of a model by name: own attributes only (`constructor` is no attribute). */
export function ownAttribute(model: ModelLike, name: string): AttributeLike | undefined {
  return Object.hasOwn(model.attributes, name) ? model.attributes[name] : undefined;
}
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

/**
 * Why a room name placeholder cannot be used, or null when it can: it must be a built-in one or
 * an attribute of a type with a text form, and never a private attribute.
 */
export function placeholderProblem(
  name: string,
  attribute: AttributeLike | undefined,
  uid: string
): string | null {
  if ((BUILT_IN_PLACEHOLDERS as readonly string[]).includes(name)) return null;
  if (!attribute) return `{${name}} is not an attribute of ${uid}`;
  if (attribute.private === true) return `{${name}} is a private attribute`;
  if (!TEMPLATE_TYPES.has(attribute.type)) {
    return `{${name}} is a ${attribute.type} attribute, which has no text form`;
  }
  return null;
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

/**
 * A relation that can list a room's members: to users, and able to hold many of them
 * (many-to-many, or one-to-many: each user in at most one entry).
 */
export function isMembersRelation(attribute: AttributeLike | undefined): boolean {
  return (
    attribute?.type === 'relation' &&
    attribute.target === USER_UID &&
    (attribute.relation === 'manyToMany' || attribute.relation === 'oneToMany')
  );
}

/** Why an attribute cannot list a room's members, or null when it can. */
export function membersFieldProblem(
  name: string,
  attribute: AttributeLike | undefined,
  uid: string
): string | null {
  if (!attribute) return `"${name}" is not an attribute of ${uid}`;
  if (!isMembersRelation(attribute)) {
    return `"${name}" must be a many-to-many or one-to-many relation to ${USER_UID}`;
  }
  return null;
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
  if (!uid.startsWith('api::') || model.uid !== uid) {
    report([], "only the site's own api:: content types can be bound");
    return problems;
  }
  const attribute = (name: string) => ownAttribute(model, name);

  if (!model.options?.draftAndPublish) {
    report([], 'draft & publish is off for this content type, so it is never published');
  }

  const roomIdAttribute = attribute(binding.roomIdField);
  const roomIdProblem =
    roomIdFieldProblem(binding.roomIdField, roomIdAttribute, uid) ??
    roomIdFieldClash(binding, roomIdAttribute);
  if (roomIdProblem) report(['roomIdField'], roomIdProblem);

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
    const problem = placeholderProblem(name, attribute(name), uid);
    if (problem) report(['roomName'], problem);
  }

  const role = binding.roomRole;
  if (typeof role === 'object' && 'field' in role) {
    const source = attribute(role.field);
    if (!source) {
      report(['roomRole', 'field'], `"${role.field}" is not an attribute of ${uid}`);
    } else if (!isRoleSource(source)) {
      report(
        ['roomRole', 'field'],
        `"${role.field}" must be a single relation to ${ROLE_UID}, an enumeration or a string`
      );
    }
  }

  if (typeof role === 'object' && 'members' in role) {
    const problem = membersFieldProblem(role.members, attribute(role.members), uid);
    if (problem) report(['roomRole', 'members'], problem);
  }

  for (const flag of ['private', 'moderate', 'enabled'] as const) {
    const source = binding[flag];
    if (typeof source !== 'object') continue;
    const field = attribute(source.field);
    if (!field) {
      report([flag, 'field'], `"${source.field}" is not an attribute of ${uid}`);
    } else if (field.type !== 'boolean') {
      report([flag, 'field'], `"${source.field}" is a ${field.type} attribute; it must be boolean`);
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
