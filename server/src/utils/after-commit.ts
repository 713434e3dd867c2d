/**
 * Work that must wait until the surrounding transaction commits: Strapi's own hooks run it after
 * the commit (and never after a rollback); without a transaction it runs at once. Inside one, a
 * nested `strapi.db.transaction` hands over the outer transaction's hooks.
 */
import type { Core } from '@strapi/strapi';

type TransactionHooks = { onCommit: (callback: () => void) => void };

export async function afterCommit(strapi: Core.Strapi, callback: () => void): Promise<void> {
  if (!strapi.db.inTransaction()) {
    callback();
    return;
  }
  await strapi.db.transaction(({ onCommit }: TransactionHooks) => {
    onCommit(callback);
  });
}
