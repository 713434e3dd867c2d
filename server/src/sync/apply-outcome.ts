/**
 * Applying a handler's outcome: the row, the entry's room id and the room's claim change in
 * one transaction (by the transitions of `job-state.ts`); log lines and room events follow,
 * once per change, after commit.
 */
import type { Core } from '@strapi/strapi';

import type { Binding } from '../../../contracts/config';
import { bindingFor } from '../config/bindings';
import { emitRoomEvent, type RoomEventKind } from '../events/room-events';
import { sanitizeReason } from '../utils/sanitize';
import type { EffectiveSettings } from '../settings/service';
import { retryDelayMs } from './backoff';
import type { Entries } from './entries';
import { createFinishBatch } from './finish-batch';
import { entryLabel, errorOutcome } from './handlers';
import {
  finalOutcome,
  outcomePatch,
  type ClaimedJob,
  type Outcome,
  type RowPatch,
} from './job-state';
import { ALL_LOCALES, RoomOwnedError, type RoomLinks } from './room-links';

/** A row changed between the applying transaction's read and its write: read it again. */
class RowMovedError extends Error {}

export interface ApplierDeps {
  strapi: Core.Strapi;
  links: RoomLinks;
  entries: Entries;
  /** Called when a finished delete leaves a published entry: it gets a new room. */
  requeue: (job: ClaimedJob) => Promise<void>;
}

export function createOutcomeApplier({ strapi, links, entries, requeue }: ApplierDeps) {
  const log = strapi.log;

  function emit(job: ClaimedJob, kind: RoomEventKind, roomId: string | null, reason?: string) {
    emitRoomEvent(strapi, kind, {
      uid: job.contentType,
      documentId: job.entryDocumentId,
      locale: job.entryLocale === ALL_LOCALES ? null : job.entryLocale,
      roomId,
      ...(reason === undefined ? {} : { reason }),
    });
  }

  /** `removed` and `forgotten`: the row goes (if still held), with its claim. */
  async function applyRemoval(
    job: ClaimedJob,
    outcome: Extract<Outcome, { kind: 'removed' | 'forgotten' }>,
    binding: Binding | undefined
  ) {
    let removed = false;
    await strapi.db.transaction(async () => {
      removed = await links.removeHeld(job);
      if (!removed) return;
      if (job.roomId) await links.releaseRoom(job.roomId, job.linkKey);
      if (outcome.kind === 'removed' && binding) {
        await entries.writeBack(job, binding.roomIdField, null);
      }
    });
    if (!removed) return; // the lease was lost; whoever holds the row now finishes it
    if (outcome.kind === 'forgotten') {
      log.info(
        `[iflychat] the room job of ${entryLabel(job)} was dropped: ${sanitizeReason(outcome.reason)}`
      );
      return;
    }
    if (outcome.deletedRoomId) {
      log.info(`[iflychat] room ${outcome.deletedRoomId} deleted for ${entryLabel(job)}`);
      emit(job, 'deleted', outcome.deletedRoomId);
    }
    // Published again while its room was being deleted: it gets a new one.
    if (binding && (await entries.isPublished(job))) await requeue(job);
  }

  /** The row's part of an outcome that keeps the row, in one transaction. */
  async function applyToRow(
    job: ClaimedJob,
    outcome: Exclude<Outcome, { kind: 'removed' | 'forgotten' }>,
    binding: Binding | undefined,
    delayMs: number
  ): Promise<RowPatch | null> {
    for (;;) {
      try {
        return await strapi.db.transaction(async () => {
          const now = await links.rowNow(job);
          if (!now) return null; // the lease was lost
          const patch = outcomePatch(job, outcome, now, links.now(), delayMs);
          const newRoom = outcome.kind === 'synced' && outcome.roomId !== job.roomId;
          if (newRoom) await links.claimRoom(outcome.roomId, job.linkKey);
          if (!(await links.update(job, patch, now))) throw new RowMovedError();
          if (outcome.kind === 'synced') {
            if (outcome.replacedRoomId)
              await links.releaseRoom(outcome.replacedRoomId, job.linkKey);
            if (newRoom || outcome.event === 'created' || job.previous.status !== 'created') {
              if (binding) await entries.writeBack(job, binding.roomIdField, outcome.roomId);
            }
          }
          if ('roomDropped' in outcome && outcome.roomDropped && job.roomId) {
            await links.releaseRoom(job.roomId, job.linkKey);
            if (binding) await entries.writeBack(job, binding.roomIdField, null);
          }
          return patch;
        });
      } catch (error) {
        if (!(error instanceof RowMovedError)) throw error;
      }
    }
  }

  const finishes = createFinishBatch({
    strapi,
    links,
    entries,
    applyOne: (job, outcome, binding) => applyToRow(job, outcome, binding, 0),
  });

  async function apply(job: ClaimedJob, outcome: Outcome, config: EffectiveSettings) {
    const binding = bindingFor(config.contentTypes, job.contentType);
    if (outcome.kind === 'removed' || outcome.kind === 'forgotten') {
      await applyRemoval(job, outcome, binding);
      return;
    }
    const delayMs =
      outcome.kind === 'retry'
        ? retryDelayMs(job.attempts, outcome.retryAfterSeconds, Math.random, {
            baseMs: config.retryBaseDelayMs,
            maxMs: config.retryMaxDelayMs,
          })
        : 0;
    let patch: RowPatch | null;
    try {
      patch =
        outcome.kind === 'synced'
          ? await finishes.submit(job, outcome, binding)
          : await applyToRow(job, outcome, binding, delayMs);
    } catch (error) {
      if (!(error instanceof RoomOwnedError) || outcome.kind !== 'synced') throw error;
      // Another entry took this room meanwhile (the database refused a second owner).
      const retry = errorOutcome(new Error(`${error.message}; looking again`), true);
      await apply(job, finalOutcome(job, retry, config.maxAttempts), config);
      return;
    }
    if (!patch) {
      log.info(`[iflychat] the job of ${entryLabel(job)} lost its lease; another worker has it`);
      return;
    }
    report(job, outcome, patch, delayMs);
  }

  /** Log lines and room events of an applied outcome (after commit). */
  function report(job: ClaimedJob, outcome: Outcome, patch: RowPatch, delayMs: number) {
    if (outcome.kind === 'synced' && outcome.event) emit(job, outcome.event, outcome.roomId);
    if (outcome.kind === 'failed' || outcome.kind === 'retry') {
      const deleting = job.operation === 'delete';
      // The same cleaned text as the stored lastError: a reason can quote an entry's own values.
      const reason = sanitizeReason(outcome.reason);
      if (patch.status === 'failed') {
        const what = deleting ? 'could not delete the room of' : 'no room for';
        log.warn(`[iflychat] ${what} ${entryLabel(job)}: ${reason}`);
        emit(job, 'failed', outcome.roomDropped ? null : job.roomId, reason);
      } else if (patch.status === 'retrying') {
        const what = deleting ? 'deleting the room of' : 'the room for';
        log.info(
          `[iflychat] ${what} ${entryLabel(job)} will be retried in ${Math.round(delayMs / 1000)} s: ${reason}`
        );
      }
    }
    if (outcome.kind === 'released') {
      log.info(`[iflychat] the job of ${entryLabel(job)} ran out of lease time; it runs again`);
    }
  }

  return { apply };
}
