/**
 * Intake: what the Document Service middleware reports after commit (publishes, draft saves,
 * unpublishes, deletes) becomes queued jobs. Publishes are gathered for a moment so that a bulk
 * publish of a thousand entries is recorded in a few batched queries instead of thousands, in
 * one transaction that also claims the first of their jobs for this instance's runner.
 */
import { AsyncResource } from 'node:async_hooks';

import type { Core } from '@strapi/strapi';

import type { Binding } from '../../../contracts/config';
import { bindingFor } from '../config/bindings';
import { getService } from '../utils/get-service';
import { asText } from '../utils/text';
import { INTAKE_BATCH } from './constants';
import type { Entries } from './entries';
import type { ClaimedJob } from './job-state';
import { describe } from './handlers';
import { ALL_LOCALES, isUniqueViolation, targetsFor, type RoomLinks } from './room-links';

export interface IntakeDeps {
  strapi: Core.Strapi;
  links: RoomLinks;
  entries: Entries;
  /** The runner: woken when jobs are queued; claims the first ones, and takes them after commit. */
  runner: {
    wake: () => void;
    claimAhead: (contentTypes: Record<string, Binding>) => Promise<ClaimedJob[]>;
    accept: (jobs: ClaimedJob[]) => void;
  };
}

type Published = Array<[uid: string, documents: Map<string, string[]>]>;

export function createIntake({ strapi, links, entries, runner }: IntakeDeps) {
  const wake = () => runner.wake();
  const settings = () => getService(strapi, 'settings');
  const bindingOf = async (uid: string): Promise<Binding | undefined> =>
    bindingFor((await settings().get()).contentTypes, uid);

  /** Publishes not written yet, by content type and document (with their locales). */
  const published = new Map<string, Map<string, string[]>>();
  let scheduled: Promise<void> | null = null;
  /** Every piece of intake work still running: `idle()` and `stop()` wait for all of them. */
  const running = new Set<Promise<void>>();
  function track(work: Promise<void>): Promise<void> {
    const tracked = work.finally(() => running.delete(tracked));
    running.add(tracked);
    return tracked;
  }

  /** Queues the jobs of gathered publishes; whether any job is now waiting or running. */
  async function queuePublished(
    batches: Published,
    contentTypes: Record<string, Binding>,
    atomic: boolean
  ): Promise<boolean> {
    let queued = false;
    for (const [uid, documents] of batches) {
      const binding = bindingFor(contentTypes, uid);
      if (!binding) continue;
      const all = [...documents].flatMap(([documentId, locales]) =>
        targetsFor(binding, documentId, locales)
      );
      for (let start = 0; start < all.length; start += INTAKE_BATCH) {
        const counts = await links.queue(uid, all.slice(start, start + INTAKE_BATCH), {
          retryFailed: true,
          recheckCreated: true,
          atomic,
        });
        if (counts.inserted + counts.requeued + counts.waiting > 0) queued = true;
      }
    }
    return queued;
  }

  /**
   * Runs outside the async context of the caller (the transaction whose after-commit callbacks
   * are running): a transaction begun in that context shares its list of callbacks.
   */
  const detached = AsyncResource.bind(<T>(work: () => Promise<T>): Promise<T> => work());

  /**
   * Writes the gathered publishes and claims the first of their jobs, with their entries, in one
   * transaction begun at the first publish reported. Begun at once because a bulk publish also
   * makes Strapi read every entry back for its own events: on SQLite's single connection the
   * rooms would wait behind all of those reads. Claimed in the same transaction, the first jobs
   * start as soon as it commits. Nothing in the transaction waits for anything but its own
   * queries (a wait for another connection could wait for this one).
   */
  async function flushPublished(): Promise<void> {
    let batches: Published | null = null;
    /** The publishes gathered so far, taken once: later ones start a flush of their own. */
    const take = (): Published => {
      if (!batches) {
        batches = [...published.entries()];
        published.clear();
        scheduled = null;
      }
      return batches;
    };
    try {
      // The settings the publish was just checked against (the middleware read them).
      const { contentTypes } = await settings().lastRead();
      let claimed: ClaimedJob[] = [];
      try {
        claimed = await detached(() =>
          strapi.db.transaction(async () => {
            // Let every after-commit callback of the same transaction add its document first.
            await new Promise((resolve) => setImmediate(resolve));
            const queued = await queuePublished(take(), contentTypes, true);
            return queued ? runner.claimAhead(contentTypes) : [];
          })
        );
      } catch (error) {
        // Another writer (the sweep, another instance) queued some of them at the same moment,
        // or the transaction could not be had: written again without one, where each row that
        // exists already is skipped on its own.
        if (!isUniqueViolation(error)) {
          strapi.log.warn(`[iflychat] publishes written one batch at a time: ${describe(error)}`);
        }
        if (await queuePublished(take(), contentTypes, false)) wake();
        return;
      }
      if (claimed.length > 0) runner.accept(claimed);
      else wake();
    } finally {
      take();
    }
  }

  /**
   * The room id field belongs to the plugin once an entry has a link row: a value the editor's
   * form sent back (the form still holds what it loaded before a room was made, unlinked or
   * recreated) is put back to the link's room id.
   */
  async function putBackRoomIds(uid: string, documentId: string, locales: string[]) {
    const binding = await bindingOf(uid);
    if (!binding) return;
    for (const target of targetsFor(binding, documentId, locales)) {
      const link = await links.findOne(uid, target.documentId, target.locale);
      if (!link || (link.status !== 'created' && link.status !== 'unlinked')) continue;
      const expected = link.status === 'created' ? (link.roomId ?? '') : '';
      const values = await entries.roomIdsOn(link, binding.roomIdField);
      if (values.some((value) => asText(value) !== expected)) {
        await entries.writeBack(link, binding.roomIdField, expected || null);
      }
    }
  }

  /**
   * Called once an unpublish or a delete has committed. With the binding's policy `delete`,
   * the rooms of what is gone are queued for deletion; with `keep`, an unpublished entry keeps
   * its room, and a deleted one's room is forgotten (it stays in iFlyChat). A room shared by
   * all locales is only touched when no locale is left published (unpublish) or left at all
   * (delete).
   */
  async function followRemoval(
    kind: 'unpublish' | 'delete',
    uid: string,
    documentId: string,
    locales: string[]
  ): Promise<void> {
    const binding = await bindingOf(uid);
    if (!binding) return;
    const targets = targetsFor(binding, documentId, locales);
    if (targets[0].locale === ALL_LOCALES) {
      const remaining = await strapi.db.query(uid).count({
        where: {
          documentId,
          ...(kind === 'unpublish' ? { publishedAt: { $notNull: true } } : {}),
        },
      });
      if (remaining > 0) return;
    }
    const policy = kind === 'unpublish' ? binding.onUnpublish : binding.onDelete;
    if (policy === 'delete') {
      if ((await links.queueDelete(uid, targets)) > 0) wake();
      return;
    }
    if (kind === 'delete') {
      for (const target of targets) {
        const row = await links.findOne(uid, target.documentId, target.locale);
        if (!row || row.operation === 'delete') continue;
        // A row whose job runs now is marked to run again: that run finds the entry gone
        // and drops the row.
        if (!(await links.remove(row))) await links.markRunAgain(row);
      }
    }
  }

  return {
    /** Called once a publish has committed; resolves when its job is recorded. */
    onPublished(uid: string, documentId: string, locales: string[] = []): Promise<void> {
      const documents = published.get(uid) ?? new Map<string, string[]>();
      documents.set(documentId, [...new Set([...(documents.get(documentId) ?? []), ...locales])]);
      published.set(uid, documents);
      scheduled ??= track(flushPublished());
      return scheduled;
    },

    /** Resolves once no intake work is running (a flush of publishes in progress included). */
    async settled(): Promise<void> {
      while (running.size > 0) await Promise.allSettled([...running]);
    },

    /** Called once a draft save has committed (see `putBackRoomIds`). */
    onSaved(uid: string, documentId: string, locales: string[]): Promise<void> {
      return track(putBackRoomIds(uid, documentId, locales));
    },

    /** Called once an unpublish or a delete has committed (see `followRemoval`). */
    onRemoved(
      kind: 'unpublish' | 'delete',
      uid: string,
      documentId: string,
      locales: string[]
    ): Promise<void> {
      return track(followRemoval(kind, uid, documentId, locales));
    },

    /** The room id attribute of a bound type (a copy of an entry is made without it). */
    async roomIdFieldOf(uid: string): Promise<string | null> {
      // Asked before a copy is written, maybe inside a transaction.
      const { contentTypes } = await settings().lastRead();
      return bindingFor(contentTypes, uid)?.roomIdField ?? null;
    },
  };
}

export type Intake = ReturnType<typeof createIntake>;
