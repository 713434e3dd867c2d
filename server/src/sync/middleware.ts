/**
 * The Document Service middleware that notices publishes of bound content types.
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

export function registerPublishMiddleware(strapi: Core.Strapi): void {
  const sync = () => getService(strapi, 'sync');

  const middleware = async (ctx: DocumentCallContext, next: Next) => {
    if (!isPublishingCall(ctx) || !(await sync().isBound(ctx.uid))) return next();

    const result = await next();

    try {
      const published = publishedFromResult(result);
      if (published) {
        const { uid } = ctx;
        // Content Manager, bulk publish and Releases publish inside a transaction: the room job
        // is recorded only once it is committed. Outside one, this commits at once.
        await strapi.db.transaction(({ onCommit }: TransactionHooks) => {
          onCommit(() => {
            sync()
              .onPublished(uid, published.documentId)
              .catch((error: unknown) =>
                strapi.log.error(
                  `[iflychat] could not queue a room for ${uid} ${published.documentId}: ${describe(error)}`
                )
              );
          });
        });
      }
    } catch (error) {
      strapi.log.error(`[iflychat] could not handle the publish of ${ctx.uid}: ${describe(error)}`);
    }
    return result;
  };

  strapi.documents.use(middleware as Parameters<typeof strapi.documents.use>[0]);
}
