/**
 * What the settings page needs to know about the site: the content types that can be bound (and
 * which of their attributes fit each role in a binding), the users-permissions roles, and a
 * preview of a room name on a real entry.
 */
import type { Core } from '@strapi/strapi';

import type { BindableContentType, SiteRole } from '../../../contracts/settings';
import {
  isLocalized,
  isLocalizedAttribute,
  isMembersRelation,
  isRoleSource,
  ROLE_UID,
  ROOM_ID_TYPES,
  SYSTEM_ATTRIBUTES,
  TEMPLATE_TYPES,
  type ModelLike,
} from '../config/bindings';
import { renderRoomName, type Entry } from '../rooms/params';
import { rolesWithTokenRoute } from '../tokens/roles';

type Model = ModelLike & { info?: { displayName?: string } };

function models(strapi: Core.Strapi): Model[] {
  return Object.values(strapi.contentTypes as unknown as Record<string, Model>);
}

export function isBindable(model: Model | undefined): model is Model {
  return Boolean(model && model.uid.startsWith('api::') && model.options?.draftAndPublish);
}

export function listBindableContentTypes(strapi: Core.Strapi): BindableContentType[] {
  return models(strapi)
    .filter(isBindable)
    .map((model) => {
      const entries = Object.entries(model.attributes).filter(
        ([name, attribute]) => !SYSTEM_ATTRIBUTES.has(name) && attribute.configurable !== false
      );
      const named = (test: (attribute: ModelLike['attributes'][string]) => boolean) =>
        entries.filter(([, attribute]) => test(attribute)).map(([name]) => name);
      return {
        uid: model.uid,
        displayName: model.info?.displayName ?? model.uid,
        nameFields: named(
          (attribute) => TEMPLATE_TYPES.has(attribute.type) && attribute.private !== true
        ),
        roomIdFields: named((attribute) => ROOM_ID_TYPES.has(attribute.type)),
        roleFields: named(isRoleSource),
        booleanFields: named((attribute) => attribute.type === 'boolean'),
        memberFields: named(isMembersRelation),
        localized: isLocalized(model),
        localizedRoomIdFields: isLocalized(model)
          ? named(
              (attribute) => ROOM_ID_TYPES.has(attribute.type) && isLocalizedAttribute(attribute)
            )
          : [],
      };
    })
    .sort((a, b) => a.displayName.localeCompare(b.displayName));
}

export async function listRoles(strapi: Core.Strapi): Promise<SiteRole[]> {
  if (!(ROLE_UID in strapi.contentTypes)) return [];
  const roles = (await strapi.db.query(ROLE_UID).findMany({
    select: ['id', 'name', 'type', 'description'],
    orderBy: { id: 'asc' },
  })) as SiteRole[];
  const withTokens = await rolesWithTokenRoute(strapi);
  return roles.map(({ id, name, type, description }) => ({
    id,
    name,
    type,
    description: description ?? null,
    tokenRoute: withTokens.has(id),
  }));
}

/** How many recent published entries the preview looks through for one the user may read. */
const PREVIEW_CANDIDATES = 20;

/**
 * The room name the template gives for the most recently published entry that `mayRead`
 * allows, if there is one. Only published entries: a draft may hold what is not public yet.
 * The template's placeholders must have been checked (see `placeholderProblem`).
 */
export async function previewRoomName(
  strapi: Core.Strapi,
  uid: string,
  template: string,
  mayRead: (entry: Entry) => boolean,
  populate: Record<string, unknown> = {}
): Promise<{ preview: string | null; documentId: string | null }> {
  const entries = (await strapi.db.query(uid).findMany({
    where: { publishedAt: { $notNull: true } },
    orderBy: [{ publishedAt: 'desc' }, { id: 'desc' }],
    limit: PREVIEW_CANDIDATES,
    populate,
  })) as Entry[];
  const entry = entries.find(mayRead);
  if (!entry) return { preview: null, documentId: null };
  return { preview: renderRoomName(template, entry), documentId: entry.documentId };
}
