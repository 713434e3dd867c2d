/**
 * Group commit of finished jobs: the `synced` outcomes that arrive while a batch is being
 * written are written together in the next one, in one transaction (one commit instead of one
 * per job), with the rows read and the rooms claimed in one query each. A batch that cannot be
 * written whole (a row moved, a room claimed by another entry) is written job by job instead.
 */
import type { Core } from '@strapi/strapi';

import type { Binding } from '../../../contracts/config';
import { FINISH_BATCH_MAX, FINISH_LINGER_MS } from './constants';
import type { Entries } from './entries';
import { outcomePatch, type ClaimedJob, type Outcome, type RowPatch } from './job-state';
import type { RoomLinks } from './room-links';

type Synced = Extract<Outcome, { kind: 'synced' }>;

interface Item {
  job: ClaimedJob;
  outcome: Synced;
  binding: Binding | undefined;
  resolve: (patch: RowPatch | null) => void;
  reject: (error: unknown) => void;
}

/** A row changed between the batch's read and its write. */
class BatchMovedError extends Error {}

export interface FinishBatchDeps {
  strapi: Core.Strapi;
  links: RoomLinks;
  entries: Entries;
  /** Writes one job's outcome on its own (the fallback). */
  applyOne: (
    job: ClaimedJob,
    outcome: Synced,
    binding: Binding | undefined
  ) => Promise<RowPatch | null>;
}

export function createFinishBatch({ strapi, links, entries, applyOne }: FinishBatchDeps) {
  const waiting: Item[] = [];
  let writing = false;
  let lingering: NodeJS.Timeout | undefined;

  /** Writes one batch in one transaction; the patch written for each job (null: lost). */
  async function writeBatch(items: Item[]): Promise<Array<RowPatch | null>> {
    return strapi.db.transaction(async () => {
      const rows = await links.rowsNow(items.map((item) => item.job));
      await links.claimRooms(
        items
          .filter((item) => rows.has(item.job.id) && item.outcome.roomId !== item.job.roomId)
          .map((item) => ({ roomId: item.outcome.roomId, linkKey: item.job.linkKey }))
      );
      const at = links.now();
      const patches: Array<RowPatch | null> = [];
      for (const { job, outcome, binding } of items) {
        const now = rows.get(job.id);
        if (!now) {
          patches.push(null);
          continue;
        }
        const patch = outcomePatch(job, outcome, now, at);
        if (!(await links.update(job, patch, now))) throw new BatchMovedError();
        if (outcome.replacedRoomId) await links.releaseRoom(outcome.replacedRoomId, job.linkKey);
        const changed =
          outcome.roomId !== job.roomId ||
          outcome.event === 'created' ||
          job.previous.status !== 'created';
        if (changed && binding) await entries.writeBack(job, binding.roomIdField, outcome.roomId);
        patches.push(patch);
      }
      return patches;
    });
  }

  async function drain(): Promise<void> {
    clearTimeout(lingering);
    lingering = undefined;
    writing = true;
    try {
      while (waiting.length > 0) {
        const items = waiting.splice(0, FINISH_BATCH_MAX);
        try {
          const patches = await writeBatch(items);
          items.forEach((item, index) => item.resolve(patches[index]));
        } catch {
          // Whatever stopped the batch is met again, and handled, job by job.
          for (const item of items) {
            await applyOne(item.job, item.outcome, item.binding).then(item.resolve, item.reject);
          }
        }
      }
    } finally {
      writing = false;
    }
  }

  return {
    /** Writes a `synced` outcome with the others finishing now; resolves once committed. */
    submit(job: ClaimedJob, outcome: Synced, binding: Binding | undefined) {
      return new Promise<RowPatch | null>((resolve, reject) => {
        waiting.push({ job, outcome, binding, resolve, reject });
        if (writing) return;
        // Wait a moment for the jobs finishing with this one: one commit for all of them.
        if (waiting.length >= FINISH_BATCH_MAX) void drain();
        else lingering ??= setTimeout(() => void drain(), FINISH_LINGER_MS);
      });
    },
  };
}
