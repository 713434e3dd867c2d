/**
 * Membership changes take effect: when the users a published entry of a members-only binding
 * lists change, their chat tokens are dropped, so that the next token carries the rooms they may
 * enter now (tokens/members.ts). A Document Service middleware sees both sides of the relation
 * through every path: the Content Manager, the REST API (`/api/communities`, and
 * `/api/users/:id`, which Users & Permissions writes with the Document Service) and direct
 * Document Service calls.
 *
 * - On the bound type, the published member ids of the document are read before and after the
 *   call; every user added or removed is affected (a draft's members count once published).
 * - On users, a call that writes the other side of such a relation affects that user.
 *
 * Tokens are dropped after the call's transaction commits; a failure is logged, never thrown
 * into Strapi's call.
 */
import type { Core } from '@strapi/strapi';

import type { Binding } from '../../../contracts/config';
import { ownAttribute, USER_UID, type ModelLike } from '../config/bindings';
import { afterCommit } from '../utils/after-commit';
import { getService } from '../utils/get-service';
import { membersBindings } from './members';
import { describe } from '../utils/errors';

type Next = () => Promise<unknown>;
interface DocumentCall {
  uid: string;
  action: string;
  params?: { documentId?: unknown; data?: unknown };
}

const WRITES = new Set(['create', 'update', 'delete', 'publish', 'unpublish', 'discardDraft']);
const WHY = 'membership changed';

type Id = number | string;

function idOf(value: unknown): Id | undefined {
  const id = (value as { id?: unknown } | null)?.id;
  return typeof id === 'number' || typeof id === 'string' ? id : undefined;
}

function documentIdOf(value: unknown): string | undefined {
  const documentId = (value as { documentId?: unknown } | null)?.documentId;
  return typeof documentId === 'string' && documentId ? documentId : undefined;
}

/** The users the published rows of a document (or of one of its locales) list in `relation`. */
export async function publishedMembers(
  strapi: Core.Strapi,
  uid: string,
  relation: string,
  documentId: string | undefined,
  locale?: string
): Promise<Set<string>> {
  if (!documentId) return new Set();
  const rows = (await strapi.db.query(uid).findMany({
    where: { documentId, publishedAt: { $notNull: true }, ...(locale ? { locale } : {}) },
    select: ['id'],
    populate: { [relation]: { select: ['id'] } },
  })) as Array<Record<string, unknown>>;
  const ids = rows.flatMap((row) => {
    const users = row[relation];
    return Array.isArray(users) ? users.map(idOf) : [];
  });
  return new Set(ids.filter((id): id is Id => id !== undefined).map(String));
}

/** The ids in one set and not the other. */
function changed(before: Set<string>, after: Set<string>): string[] {
  return [
    ...[...before].filter((id) => !after.has(id)),
    ...[...after].filter((id) => !before.has(id)),
  ];
}

/** The user attributes that are the other side of a members relation of a binding. */
export function inverseMemberAttributes(
  userModel: ModelLike | undefined,
  contentTypes: Record<string, Binding>
): string[] {
  if (!userModel) return [];
  const sides = new Set(
    membersBindings(contentTypes).map(({ uid, source }) => `${uid}\n${source.members}`)
  );
  return Object.entries(userModel.attributes).flatMap(([name, attribute]) => {
    const other = attribute as { target?: string; mappedBy?: string; inversedBy?: string };
    const mirror = other.mappedBy ?? other.inversedBy;
    return attribute.type === 'relation' && mirror && sides.has(`${other.target}\n${mirror}`)
      ? [name]
      : [];
  });
}

/**
 * The rows a user's side of the members relations lists now, comparable; empty for no document
 * (a user being created has no token yet).
 */
async function userSides(
  strapi: Core.Strapi,
  documentId: string | undefined,
  attributes: string[]
): Promise<string> {
  if (!documentId) return '';
  const row = (await strapi.db.query(USER_UID).findOne({
    where: { documentId },
    select: ['id'],
    populate: Object.fromEntries(attributes.map((name) => [name, { select: ['id'] }])),
  })) as Record<string, unknown> | null;
  const ids = (name: string) => {
    const linked = row?.[name];
    return Array.isArray(linked) ? linked.map((item) => String(idOf(item))).sort() : [];
  };
  return JSON.stringify(attributes.map(ids));
}

/** Whether a write's data touches one of these attributes. */
function writes(data: unknown, attributes: string[]): boolean {
  if (typeof data !== 'object' || data === null) return false;
  return attributes.some((name) => Object.hasOwn(data, name));
}

export function watchMembership(strapi: Core.Strapi): void {
  const settings = () => getService(strapi, 'settings');

  async function dropTokens(ids: Id[]): Promise<void> {
    const tokens = getService(strapi, 'tokens');
    for (const id of ids) {
      try {
        await Promise.resolve(tokens.revoke(id, WHY));
      } catch (error) {
        strapi.log.warn(
          `[iflychat] could not drop the chat token of user ${String(id)} (${WHY}): ${describe(error)}`
        );
      }
    }
  }

  /** Drops the tokens once the surrounding transaction commits (at once without one). */
  async function dropAfterCommit(ids: Id[]): Promise<void> {
    if (ids.length === 0) return;
    await afterCommit(strapi, () => void dropTokens(ids));
  }

  const report = (uid: string, error: unknown) =>
    strapi.log.error(`[iflychat] could not follow the members of ${uid}: ${describe(error)}`);

  const middleware = async (ctx: DocumentCall, next: Next) => {
    if (!WRITES.has(ctx.action)) return next();
    const { contentTypes } = await settings().get();
    if (ctx.uid === USER_UID) {
      const userModel = strapi.contentTypes[USER_UID as keyof typeof strapi.contentTypes];
      const inverse = inverseMemberAttributes(userModel, contentTypes);
      if (!writes(ctx.params?.data, inverse)) return next();
      // The Content Manager sends the relation on every save of a user: only a change counts.
      const documentId = documentIdOf(ctx.params);
      const before = await userSides(strapi, documentId, inverse).catch((error: unknown) => {
        report(USER_UID, error);
        return null; // unknown: any result counts as a change
      });
      const result = await next();
      const id = idOf(result);
      try {
        const after = await userSides(strapi, documentId ?? documentIdOf(result), inverse);
        if (id !== undefined && (after !== before || !documentId)) await dropAfterCommit([id]);
      } catch (error) {
        report(USER_UID, error);
      }
      return result;
    }
    const bound = membersBindings(contentTypes).find(({ uid }) => uid === ctx.uid);
    if (!bound) return next();
    const model = strapi.contentTypes[ctx.uid as keyof typeof strapi.contentTypes];
    if (!model || !ownAttribute(model, bound.source.members)) return next();
    const relation = bound.source.members;
    const documentId = documentIdOf(ctx.params);
    let before: Set<string>;
    try {
      before = await publishedMembers(strapi, ctx.uid, relation, documentId);
    } catch (error) {
      report(ctx.uid, error);
      return next();
    }
    const result = await next();
    try {
      const after = await publishedMembers(
        strapi,
        ctx.uid,
        relation,
        documentId ?? documentIdOf(result)
      );
      await dropAfterCommit(changed(before, after));
    } catch (error) {
      report(ctx.uid, error);
    }
    return result;
  };

  strapi.documents.use(middleware as Parameters<typeof strapi.documents.use>[0]);
}
