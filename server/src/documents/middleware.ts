/**
 * The Document Service middleware that notices publishes, copies, unpublishes and deletes of
 * bound content types.
 *
 * It never changes what Strapi does: Strapi's own call runs first and its errors propagate
 * untouched; the plugin's part is deferred until the surrounding transaction commits, and any
 * failure there is logged, never thrown into the publish.
 */
import type { Core } from '@strapi/strapi';

import { getService } from '../utils/get-service';
import {
  isPublishingCall,
  publishedFromResult,
  type DocumentCallContext,
} from './publish-detection';
import { afterCommit } from '../utils/after-commit';
import { describe } from '../utils/errors';

type Next = () => Promise<unknown>;
/** What the plugin does after a Document Service call of a bound content type commits. */
type Reaction = 'onPublished' | 'onSaved' | 'onRemoved';

function reactionTo(ctx: DocumentCallContext): Reaction | null {
  if (isPublishingCall(ctx)) return 'onPublished';
  // The room id field is the plugin's: a stale value from the editor's form is put back.
  if (ctx.action === 'update') return 'onSaved';
  if (ctx.action === 'unpublish' || ctx.action === 'delete') return 'onRemoved';
  // discardDraft, draft creations and reads never touch a room.
  return null;
}

/** The clone call's parameters, with the room id attribute cleared in its data. */
export function withoutRoomId(
  params: DocumentCallContext['params'],
  field: string
): DocumentCallContext['params'] {
  const data =
    typeof params?.data === 'object' && params.data !== null
      ? (params.data as Record<string, unknown>)
      : {};
  return { ...params, data: { ...data, [field]: null } };
}

export function registerPublishMiddleware(strapi: Core.Strapi): void {
  const sync = () => getService(strapi, 'sync');

  /** The plugin's part, run after commit: marks the entry's rooms; never throws. */
  function react(reaction: Reaction, uid: string, documentId: string, locales: string[]) {
    const report = (error: unknown) =>
      strapi.log.error(
        `[iflychat] could not mark the room of ${uid} ${documentId}: ${describe(error)}`
      );
    // Runs in Strapi's after-commit callback: nothing may be thrown back into it.
    try {
      sync().intake[reaction](uid, documentId, locales).catch(report);
    } catch (error) {
      report(error);
    }
  }

  const middleware = async (ctx: DocumentCallContext, next: Next) => {
    // A copy of an entry never carries its original's room, not even for a moment: the room id
    // is left out of the copy's own data, so the copy is written without it.
    if (ctx.action === 'clone') {
      const field = await sync()
        .roomIdFieldOf(ctx.uid)
        .catch(() => null);
      if (field) ctx.params = withoutRoomId(ctx.params, field);
      return next();
    }
    const reaction = reactionTo(ctx);
    if (!reaction || !(await sync().isBound(ctx.uid))) return next();

    const result = await next();

    try {
      const changed = publishedFromResult(result);
      if (changed) {
        const { uid } = ctx;
        await afterCommit(strapi, () => react(reaction, uid, changed.documentId, changed.locales));
      }
    } catch (error) {
      strapi.log.error(
        `[iflychat] could not mark the room of an entry of ${ctx.uid}: ${describe(error)}`
      );
    }
    return result;
  };

  strapi.documents.use(middleware as Parameters<typeof strapi.documents.use>[0]);
}
