/**
 * The upgrade from 0.1's link rows, once per database, before the worker starts. 0.1 kept an
 * operation and a status per row; this keeps every room and the state of every row:
 *
 * - a row with its room (`created`), failed, or unlinked is reconciled as it stands (`doneSeq`
 *   = `wantSeq`): no call is made for it until something marks it;
 * - a row whose job waited or ran (`pending`, `retrying`, `processing`) is due now; the worker
 *   decides from the present (a `delete` job finds its entry unpublished, and so on);
 * - a create whose answer was lost (`mayHaveCreated`, no room id) leaves an intent without params,
 *   matched against the entry as it is now (0.1 did not keep what it sent);
 * - a `recreate` not done yet keeps its room as the one to retire.
 */
import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';

import { PLUGIN_ID } from '../utils/get-service';
import { LINKS_TABLE } from './links';

const UPGRADED_KEY = 'links-upgraded-from-0.1';

export async function upgradeLinks(strapi: Core.Strapi): Promise<void> {
  const store = strapi.store({ type: 'plugin', name: PLUGIN_ID });
  if (await store.get({ key: UPGRADED_KEY })) return;
  await strapi.db.transaction(async ({ trx }: { trx: Knex.Transaction }) => {
    const rows = () => trx(LINKS_TABLE).whereNotNull('operation');
    // The columns added to 0.1's rows start empty (a schema default applies to new rows only).
    await rows().update({ want_seq: 1, done_seq: 0, due_at_ms: 0, unlinked: false });
    await rows()
      .where('may_have_created', true)
      .whereNull('room_id')
      .whereNot('status', 'created')
      .update({ intent: JSON.stringify({ params: null }) });
    await rows()
      .where('operation', 'recreate')
      .whereNotNull('room_id')
      .whereNot('status', 'processing')
      .update({ retire_room_id: trx.ref('room_id'), room_id: null });
    await rows().where('status', 'unlinked').update({ unlinked: true });
    await rows()
      .whereIn('status', ['created', 'failed', 'unlinked'])
      .update({ done_seq: trx.ref('want_seq') });
    await rows()
      .whereIn('status', ['pending', 'retrying', 'processing'])
      .update({ status: 'pending', due_at_ms: 0, lease_until_ms: null });
    // 0.1's columns are read once: cleared, so that a row is never upgraded twice.
    await rows().update({ operation: null, may_have_created: null });
  });
  await store.set({ key: UPGRADED_KEY, value: true });
}
