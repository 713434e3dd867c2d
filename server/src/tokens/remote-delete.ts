/**
 * Tokens deleted in iFlyChat in the background (a replaced token, a blocked, deleted or re-roled
 * user's): a failure is logged, never thrown into the request or update that caused it, and the
 * log never shows the token.
 */
import type { Core } from '@strapi/strapi';

import type { IflychatClient } from '../iflychat/client';
import { deleteToken } from '../iflychat/tokens';

/** `message` with every occurrence of `token`, as it is or URL-encoded, replaced. */
function withoutToken(message: string, token: string): string {
  return message.split(token).join('[token]').split(encodeURIComponent(token)).join('[token]');
}

export function createRemoteDeletions(
  strapi: Core.Strapi,
  getClient: () => Promise<IflychatClient | null>
) {
  const background = new Set<Promise<void>>();

  return {
    /** Deletes a token in iFlyChat in the background; `why` names whose token it was. */
    drop(token: string, why: string): void {
      const task = (async () => {
        const client = await getClient();
        if (!client) return;
        try {
          await deleteToken(client, token);
        } catch (error) {
          const message = withoutToken(
            error instanceof Error ? error.message : String(error),
            token
          );
          strapi.log.warn(`[iflychat] could not delete the chat token of ${why}: ${message}`);
        }
      })().finally(() => background.delete(task));
      background.add(task);
    },

    /** Resolves once every background deletion has finished. */
    async idle(): Promise<void> {
      while (background.size > 0) await Promise.allSettled([...background]);
    },
  };
}
