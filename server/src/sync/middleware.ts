/**
 * The Document Service middleware that notices publishes (and copies) of bound content types.
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
import { describe } from './service';

type Next = () => Promise<unknown>;
type TransactionHooks = { onCommit: (callback: () => void) => void };

/**
 * Runs `callback` once the surrounding transaction commits (the Content Manager, bulk publish and
 * Releases publish inside one), or at once when there is none.
 */
async function afterCommit(strapi: Core.Strapi, callback: () => void): Promise<void> {
  const db = strapi.db as { inTransaction?: () => boolean };
  if (typeof db.inTransaction === 'function' && !db.inTransaction()) {
    callback();
    return;
  }
  // Older Strapi 5 releases cannot tell: a nested transaction hands over the outer one's hooks.
  await strapi.db.transaction(({ onCommit }: TransactionHooks) => {
    onCommit(callback);
  });
}

export function registerPublishMiddleware(strapi: Core.Strapi): void {
  const sync = () => getService(strapi, 'sync');

  const middleware = async (ctx: DocumentCallContext, next: Next) => {
    const publishing = isPublishingCall(ctx);
    if ((!publishing && ctx.action !== 'clone') || !(await sync().isBound(ctx.uid))) {
      return next();
    }

    const result = await next();

    if (!publishing) {
      // A copy of an entry must not point at its original's room: it gets its own on publish.
      try {
        const copy = publishedFromResult(result);
        const { uid } = ctx;
        if (copy) {
          await afterCommit(strapi, () => {
            sync()
              .forgetCopiedRoom(uid, copy.documentId)
              .catch((error: unknown) =>
                strapi.log.error(
                  `[iflychat] could not clear the copied room id of ${uid} ${copy.documentId}: ${describe(error)}`
                )
              );
          });
        }
      } catch (error) {
        strapi.log.error(`[iflychat] could not handle the copy of ${ctx.uid}: ${describe(error)}`);
      }
      return result;
    }

    try {
      const published = publishedFromResult(result);
      if (published) {
        const { uid } = ctx;
        await afterCommit(strapi, () => {
          sync()
            .onPublished(uid, published.documentId)
            .catch((error: unknown) =>
              strapi.log.error(
                `[iflychat] could not queue a room for ${uid} ${published.documentId}: ${describe(error)}`
              )
            );
        });
      }
    } catch (error) {
      strapi.log.error(`[iflychat] could not handle the publish of ${ctx.uid}: ${describe(error)}`);
    }
    return result;
  };

  strapi.documents.use(middleware as Parameters<typeof strapi.documents.use>[0]);
}
