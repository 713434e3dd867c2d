/**
 * Sync: turns publishes of bound content types into room jobs, runs them in the background and
 * writes the resulting room id back onto the entry.
 *
 * Delivery is at-least-once with reconciliation, so that every entry ends with exactly one room:
 * - a job is claimed under a lease, so one instance runs it at a time, and the link table's unique
 *   key means one job per entry;
 * - the claim marks the row "may have created"; if the answer never comes (timeout, reset, the
 *   process dies), the next attempt adopts the room of that name that no other entry owns
 *   instead of creating a second one;
 * - the room id is written on the entry and the row marked created in one transaction.
 *
 * A job's `operation` says what it does: `sync` creates the room (or edits it to match the
 * entry), `delete` deletes it (the entry was unpublished or deleted and its binding says so),
 * `recreate` deletes it and makes a new one (an editor asked from the room panel).
 */
import type { Core } from '@strapi/strapi';

import type { Binding } from '../../../contracts/config';
import type { BackfillProgress } from '../../../contracts/settings';
import { emitRoomEvent, type RoomEventKind } from '../events/room-events';
import { IflychatApiError, isIflychatError } from '../iflychat/errors';
import type { IflychatClient, RoomParams } from '../iflychat/client';
import { getService } from '../utils/get-service';
import { asText } from '../utils/text';
import { retryDelayMs } from './backoff';
import { createRequestGate } from './rate-limiter';
import { createRecovery } from './recovery';
import {
  ALL_LOCALES,
  createRoomLinks,
  targetsFor,
  type LinkTarget,
  type RoomLink,
} from './room-links';
import { relationFieldsToPopulate, resolveRoomParams, type Entry } from './room-params';
import { createWorker } from './worker';

/**
 * The job's lease ran out (or is about to) and another worker may hold the row: this worker
 * must not write anything, nor start a call whose answer it could not record.
 */
class LeaseLostError extends Error {
  constructor() {
    super('the job lost its lease');
    this.name = 'LeaseLostError';
  }
}

export function createSyncService({ strapi }: { strapi: Core.Strapi }) {
  const links = createRoomLinks(strapi);
  const recovery = createRecovery(strapi, links);
  const settings = () => getService(strapi, 'settings');
  const log = strapi.log;
  const concurrency = () => settings().cached()?.concurrency ?? 4;
  const gate = createRequestGate(concurrency, () => settings().cached()?.maxRequestsPerSecond);

  const leaseMs = () => {
    const current = settings().cached();
    if (!current) return 120_000;
    return Math.max(current.leaseSeconds * 1000, current.timeoutMs * 3);
  };

  const worker = createWorker({
    links,
    run: (claimed) => processLink(claimed).finally(() => preloaded.delete(claimed.id)),
    prepare: (batch) => prepare(batch),
    // Twice as many jobs as calls: while some jobs wait on iFlyChat, others do their database
    // work, and the number of calls in flight stays at `concurrency` (see the gate).
    concurrency: () => concurrency() * 2,
    leaseMs,
    onError: (error) => log.error(`[iflychat] room worker error: ${describe(error)}`),
  });

  const queryOf = (uid: string) => strapi.db.query(uid);
  const attributeType = (uid: string, field: string) =>
    (
      strapi.contentTypes[uid as keyof typeof strapi.contentTypes]?.attributes?.[field] as
        { type?: string } | undefined
    )?.type;

  /** The entry rows a room belongs to: the whole document, or one locale of it. */
  type Scoped = Pick<RoomLink, 'contentType' | 'entryDocumentId' | 'entryLocale'>;
  const scopeOf = (link: Scoped) => ({
    documentId: link.entryDocumentId,
    ...(link.entryLocale === ALL_LOCALES ? {} : { locale: link.entryLocale }),
  });

  /** Sends a room event; called right after the change it reports was committed. */
  const emit = (kind: RoomEventKind, link: Scoped, roomId: string | null, reason?: string) =>
    emitRoomEvent(strapi, kind, {
      uid: link.contentType,
      documentId: link.entryDocumentId,
      locale: link.entryLocale === ALL_LOCALES ? null : link.entryLocale,
      roomId,
      reason,
    });

  /**
   * Every row the room belongs to (draft and published; every locale, or the room's locale)
   * gets the room id, or loses it (`null`).
   */
  async function writeBack(link: Scoped, field: string, roomId: string | null) {
    const uid = link.contentType;
    const value =
      roomId !== null && attributeType(uid, field) === 'integer' ? Number(roomId) : roomId;
    await queryOf(uid).updateMany({ where: scopeOf(link), data: { [field]: value } });
  }

  /** Whether any row the room belongs to is published. */
  async function isPublished(link: Scoped) {
    const count = await queryOf(link.contentType).count({
      where: { ...scopeOf(link), publishedAt: { $notNull: true } },
    });
    return count > 0;
  }

  /** The published rows of these documents, with the relations the binding reads. */
  async function loadPublishedRows(uid: string, documentIds: string[], binding: Binding) {
    return (await queryOf(uid).findMany({
      where: { documentId: { $in: documentIds }, publishedAt: { $notNull: true } },
      populate: relationFieldsToPopulate(binding).filter(
        (field) => attributeType(uid, field) === 'relation'
      ),
    })) as Entry[];
  }

  /** Of a document's published rows, the one the room is named after: the default locale's. */
  async function pickEntry(rows: Entry[]): Promise<Entry | null> {
    if (rows.length <= 1) return rows[0] ?? null;
    const locales = strapi
      .plugin('i18n')
      ?.service<{ getDefaultLocale(): Promise<string | undefined> }>('locales');
    const defaultLocale = await locales?.getDefaultLocale().catch(() => undefined);
    return rows.find((row) => row.locale === defaultLocale) ?? rows[0];
  }

  /** Entries loaded for a batch of claimed jobs, by link row id (see `prepare`). */
  const preloaded = new Map<number, Entry[]>();

  async function prepare(batch: RoomLink[]): Promise<void> {
    const config = await settings().get();
    const byType = new Map<string, RoomLink[]>();
    for (const row of batch) {
      if (!config.contentTypes[row.contentType]) continue;
      byType.set(row.contentType, [...(byType.get(row.contentType) ?? []), row]);
    }
    for (const [uid, rows] of byType) {
      const entries = await loadPublishedRows(
        uid,
        rows.map((row) => row.entryDocumentId),
        config.contentTypes[uid]
      );
      for (const row of rows) {
        preloaded.set(
          row.id,
          entries.filter((entry) => inScope(row, entry))
        );
      }
    }
  }

  function inScope(link: RoomLink, entry: Entry): boolean {
    return (
      entry.documentId === link.entryDocumentId &&
      (link.entryLocale === ALL_LOCALES || entry.locale === link.entryLocale)
    );
  }

  /** The published entry a room is named after (its locale's, or the default locale's). */
  async function loadPublishedEntry(claimed: RoomLink, binding: Binding) {
    const rows =
      preloaded.get(claimed.id) ??
      (await loadPublishedRows(claimed.contentType, [claimed.entryDocumentId], binding)).filter(
        (entry) => inScope(claimed, entry)
      );
    preloaded.delete(claimed.id);
    return pickEntry(rows);
  }

  /** A room that no other link row owns, and that may be adopted. */
  async function isUnowned(roomId: string, self: RoomLink): Promise<boolean> {
    const owner = await links.findByRoomId(roomId);
    return !owner || owner.id === self.id;
  }

  /**
   * Writes the room id on every row of the entry and marks the job created, in one transaction:
   * both happen or neither does (and SQLite syncs to disk once instead of twice).
   */
  async function finish(
    claimed: RoomLink,
    field: string,
    roomId: string,
    room: RoomParams | null,
    event?: RoomEventKind
  ) {
    await strapi.db.transaction(async () => {
      // The row first: if another worker took it over meanwhile, nothing is written at all.
      const held = await links.update(claimed, {
        status: 'created',
        roomId,
        roomName: room?.name ?? null,
        roomRole: room?.role ?? null,
        roomPrivate: room?.private ?? null,
        roomModerate: room?.moderate ?? null,
        lastError: null,
        mayHaveCreated: false,
        nextAttemptAt: null,
        leaseExpiresAt: null,
        syncedAt: new Date(),
      });
      if (!held) throw new LeaseLostError();
      await writeBack(claimed, field, roomId);
      await links.settle(claimed, true);
    });
    if (event) emit(event, claimed, roomId);
  }

  /**
   * Before each call to iFlyChat: the lease must outlast the call (its timeout), or the answer
   * might come after another worker took the job over.
   */
  async function call<T>(claimed: RoomLink, run: () => Promise<T>): Promise<T> {
    return gate.run(() => {
      const timeoutMs = settings().cached()?.timeoutMs ?? 10_000;
      const expiresAt = claimed.leaseExpiresAt ? new Date(claimed.leaseExpiresAt).getTime() : 0;
      if (Date.now() + timeoutMs > expiresAt) throw new LeaseLostError();
      return run();
    });
  }

  /** Whether the room as last sent differs from what the entry asks for now. */
  function roomChanged(claimed: RoomLink, room: RoomParams): boolean {
    return (
      claimed.roomName !== room.name ||
      claimed.roomRole !== room.role ||
      Boolean(claimed.roomPrivate) !== room.private ||
      Boolean(claimed.roomModerate) !== room.moderate ||
      claimed.roomPrivate === null ||
      claimed.roomModerate === null
    );
  }

  /**
   * The entry already has a room and was published again: edit the room when its name, role or
   * flags changed; call nothing otherwise.
   */
  async function updateRoom(
    claimed: RoomLink & { roomId: string },
    client: IflychatClient,
    binding: Binding,
    roleMap: Record<string, string>
  ) {
    const uid = claimed.contentType;
    const entry = await loadPublishedEntry(claimed, binding);
    if (!entry) {
      await finish(claimed, binding.roomIdField, claimed.roomId, knownRoom(claimed));
      return;
    }
    const resolved = resolveRoomParams(binding, entry, roleMap);
    if (!resolved.ok) {
      await fail(claimed, resolved.reason, { mayHaveCreated: false });
      return;
    }
    const changed = roomChanged(claimed, resolved.params);
    if (changed) {
      await call(claimed, () => client.editRoom(claimed.roomId, resolved.params));
      log.info(`[iflychat] room ${claimed.roomId} edited for ${uid} ${claimed.entryDocumentId}`);
    }
    await finish(
      claimed,
      binding.roomIdField,
      claimed.roomId,
      resolved.params,
      changed ? 'updated' : undefined
    );
  }

  function knownRoom(claimed: RoomLink): RoomParams | null {
    if (claimed.roomName === null || claimed.roomRole === null) return null;
    return {
      name: claimed.roomName,
      role: claimed.roomRole,
      private: Boolean(claimed.roomPrivate),
      moderate: Boolean(claimed.roomModerate),
    };
  }

  /** How a job's room is named in the log: `api::x.x abc123` or `api::x.x abc123 (fr)`. */
  function entryLabel(link: RoomLink): string {
    const locale = link.entryLocale === ALL_LOCALES ? '' : ` (${link.entryLocale})`;
    return `${link.contentType} ${link.entryDocumentId}${locale}`;
  }

  async function fail(claimed: RoomLink, reason: string, extra: Pick<RoomLink, 'mayHaveCreated'>) {
    const what = claimed.operation === 'delete' ? 'could not delete the room of' : 'no room for';
    log.warn(`[iflychat] ${what} ${entryLabel(claimed)}: ${reason}`);
    await strapi.db.transaction(async () => {
      await links.update(claimed, {
        ...extra,
        status: 'failed',
        lastError: reason,
        nextAttemptAt: null,
        leaseExpiresAt: null,
        syncedAt: new Date(),
      });
      await links.settle(claimed, false);
    });
    emit('failed', claimed, claimed.roomId, reason);
  }

  async function retryLater(claimed: RoomLink, error: unknown, mayHaveCreated: boolean) {
    const config = await settings().get();
    const reason = describe(error);
    if (claimed.attempts >= config.maxAttempts) {
      await fail(claimed, `gave up after ${claimed.attempts} attempts: ${reason}`, {
        mayHaveCreated,
      });
      return;
    }
    const retryAfter =
      isIflychatError(error) && 'retryAfterSeconds' in error
        ? (error.retryAfterSeconds as number | undefined)
        : undefined;
    const delay = retryDelayMs(claimed.attempts, retryAfter, Math.random, {
      baseMs: config.retryBaseDelayMs,
      maxMs: config.retryMaxDelayMs,
    });
    const what = claimed.operation === 'delete' ? 'deleting the room of' : 'the room for';
    log.info(
      `[iflychat] ${what} ${entryLabel(claimed)} will be retried in ${Math.round(delay / 1000)} s: ${reason}`
    );
    await links.update(claimed, {
      status: 'retrying',
      lastError: reason,
      mayHaveCreated,
      nextAttemptAt: new Date(Date.now() + delay),
      leaseExpiresAt: null,
    });
  }

  /**
   * After an answer got lost, the room may exist: look for one with the same name that no other
   * link row owns, and adopt it instead of creating a second one.
   */
  async function findLostRoom(client: IflychatClient, claimed: RoomLink, name: string) {
    const rooms = await call(claimed, () => client.listRooms());
    for (const room of rooms.filter((candidate) => candidate.name === name)) {
      if (await isUnowned(room.roomId, claimed)) return room.roomId;
    }
    return null;
  }

  /** Deletes a room in iFlyChat; one that is already gone counts as deleted. */
  async function deleteRemoteRoom(
    claimed: RoomLink,
    client: IflychatClient,
    roomId: string
  ): Promise<void> {
    try {
      await call(claimed, () => client.deleteRoom(roomId));
    } catch (error) {
      if (error instanceof IflychatApiError && error.status === 404) return;
      throw error;
    }
  }

  /**
   * A delete job: the room goes in iFlyChat, then the room id leaves the entry's rows (those
   * that remain) and the link row goes, in one transaction. An entry published again while its
   * room was being deleted is queued for a new room.
   */
  async function deleteLinkedRoom(claimed: RoomLink, client: IflychatClient, binding?: Binding) {
    if (claimed.roomId) {
      await deleteRemoteRoom(claimed, client, claimed.roomId);
    } else if (claimed.mayHaveCreated) {
      // An earlier create's answer was lost: a room may exist that nobody recorded. Its name is
      // not known for sure any more, so it is reported rather than guessed at.
      log.warn(
        `[iflychat] ${entryLabel(claimed)} had no room recorded, but an earlier attempt may have made one: look for it in iFlyChat`
      );
    }
    let removed = false;
    await strapi.db.transaction(async () => {
      removed = await links.removeClaimed(claimed);
      if (removed && binding) await writeBack(claimed, binding.roomIdField, null);
    });
    if (!removed) return; // the lease was lost; whoever holds the row now finishes it
    if (claimed.roomId) {
      emit('deleted', claimed, claimed.roomId);
      log.info(`[iflychat] room ${claimed.roomId} deleted for ${entryLabel(claimed)}`);
    }
    if (binding && (await isPublished(claimed))) {
      await links.queue(claimed.contentType, [targetOf(claimed)], { retryFailed: true });
      worker.wake();
    }
  }

  /** First half of a recreate: the old room goes, and the entry and its row forget it. */
  async function dropRoomForRecreate(
    claimed: RoomLink & { roomId: string },
    client: IflychatClient,
    binding: Binding
  ): Promise<RoomLink> {
    await deleteRemoteRoom(claimed, client, claimed.roomId);
    const forgotten = {
      roomId: null,
      roomName: null,
      roomRole: null,
      roomPrivate: null,
      roomModerate: null,
    };
    await strapi.db.transaction(async () => {
      if (!(await links.update(claimed, forgotten))) throw new LeaseLostError();
      await writeBack(claimed, binding.roomIdField, null);
    });
    log.info(
      `[iflychat] room ${claimed.roomId} deleted to be made again for ${entryLabel(claimed)}`
    );
    return { ...claimed, ...forgotten };
  }

  async function processLink(job: RoomLink): Promise<void> {
    let claimed = job;
    // Whether an earlier attempt may have made a room nobody recorded (the claim has already
    // marked the row for this attempt; `claimed` carries the mark as it was before).
    const earlier = Boolean(claimed.mayHaveCreated);
    let mayHaveCreated = earlier;
    const config = await settings().get();
    const uid = claimed.contentType;
    const binding = config.contentTypes[uid];
    if (!binding && claimed.operation !== 'delete') {
      await fail(claimed, `${uid} is no longer bound to iFlyChat in the plugin's settings`, {
        mayHaveCreated,
      });
      return;
    }
    const client = await settings().getClient();
    if (!client) {
      // Idle without an API key: give the job back untouched; it runs once a key is set.
      await links.update(claimed, {
        status: 'pending',
        attempts: claimed.attempts - 1,
        mayHaveCreated,
        leaseExpiresAt: null,
        nextAttemptAt: new Date(Date.now() + 60_000),
      });
      return;
    }

    try {
      if (claimed.operation === 'delete' || !binding) {
        // A delete job never creates a room.
        mayHaveCreated = earlier;
        await deleteLinkedRoom(claimed, client, binding);
        return;
      }
      // A recreate reads the entry before the old room goes (it only goes if the entry can get
      // a new one), and goes on with that entry, without its old room id.
      let recreating: Entry | null = null;
      if (claimed.operation === 'recreate' && claimed.roomId) {
        const checked = await loadPublishedEntry(claimed, binding);
        const resolved = checked ? resolveRoomParams(binding, checked, config.roleMap) : null;
        if (!checked || !resolved?.ok) {
          const why =
            resolved?.ok === false ? resolved.reason : 'the entry is not published any more';
          await fail(claimed, `${why}; the room was kept`, { mayHaveCreated: earlier });
          return;
        }
        claimed = await dropRoomForRecreate(
          { ...claimed, roomId: claimed.roomId },
          client,
          binding
        );
        recreating = { ...checked, [binding.roomIdField]: null };
      }
      if (claimed.roomId) {
        await updateRoom({ ...claimed, roomId: claimed.roomId }, client, binding, config.roleMap);
        return;
      }

      const entry = recreating ?? (await loadPublishedEntry(claimed, binding));
      if (!entry) {
        await fail(claimed, 'the entry is not published any more', { mayHaveCreated });
        return;
      }

      // An entry that comes with a room id (set by hand, or imported) keeps it on its first job,
      // unless another entry owns that room (a copy of an entry carries its original's id).
      // Once the plugin has dealt with the entry, the link row is the truth: a room id an
      // editor's stale form wrote back after an unlink does not bring the old room back.
      const carried = claimed.syncedAt ? '' : asText(entry[binding.roomIdField]);
      if (carried && (await isUnowned(carried, claimed))) {
        await finish(claimed, binding.roomIdField, carried, null, 'created');
        return;
      }

      const resolved = resolveRoomParams(binding, entry, config.roleMap);
      if (!resolved.ok) {
        await fail(claimed, resolved.reason, { mayHaveCreated });
        return;
      }
      const params = resolved.params;

      let roomId = earlier ? await findLostRoom(client, claimed, params.name) : null;
      if (!roomId) {
        mayHaveCreated = true;
        try {
          roomId = (await call(claimed, () => client.createRoom(params))).roomId;
        } catch (error) {
          // Refused or never sent: no room was made (and an earlier one was looked for above).
          if (isIflychatError(error) && !error.mayHaveReachedServer) mayHaveCreated = false;
          throw error;
        }
      }
      // A recreated room replaces the entry's room: its id changes.
      await finish(
        claimed,
        binding.roomIdField,
        roomId,
        params,
        recreating ? 'updated' : 'created'
      );
      log.info(`[iflychat] room ${roomId} "${params.name}" ready for ${entryLabel(claimed)}`);
    } catch (error) {
      if (error instanceof LeaseLostError) {
        // Given back untouched if still held; otherwise another worker has it.
        log.info(
          `[iflychat] the job of ${entryLabel(claimed)} ran out of lease time; it runs again`
        );
        await links.release(claimed);
        return;
      }
      if (isIflychatError(error) && !error.retryable) {
        await fail(claimed, error.message, { mayHaveCreated });
      } else {
        await retryLater(claimed, error, mayHaveCreated);
      }
    }
  }

  function targetOf(link: Pick<RoomLink, 'entryDocumentId' | 'entryLocale'>): LinkTarget {
    return { documentId: link.entryDocumentId, locale: link.entryLocale };
  }

  /**
   * Publishes reported after commit, gathered for a moment so that a bulk publish of a thousand
   * entries is recorded in a few batched queries instead of thousands of single ones.
   */
  const published = new Map<string, Map<string, string[]>>();
  let flushing: Promise<void> | null = null;

  async function flushPublished(): Promise<void> {
    // Let every after-commit callback of the same transaction add its document first.
    await new Promise((resolve) => setImmediate(resolve));
    const batches = [...published.entries()];
    published.clear();
    flushing = null;
    const config = await settings().get();
    for (const [uid, documents] of batches) {
      const binding = config.contentTypes[uid];
      if (!binding) continue;
      const all = [...documents].flatMap(([documentId, locales]) =>
        targetsFor(binding, documentId, locales)
      );
      // The worker starts on the first rows while the next ones are written.
      for (let start = 0; start < all.length; start += 100) {
        const queued = await links.queue(uid, all.slice(start, start + 100), {
          retryFailed: true,
          recheckCreated: true,
        });
        if (queued.inserted + queued.requeued + queued.waiting > 0) worker.wake();
      }
    }
  }

  /** Called once the publishing transaction has committed; resolves when the job is recorded. */
  function onPublished(uid: string, documentId: string, locales: string[] = []): Promise<void> {
    const documents = published.get(uid) ?? new Map<string, string[]>();
    documents.set(documentId, [...new Set([...(documents.get(documentId) ?? []), ...locales])]);
    published.set(uid, documents);
    flushing ??= flushPublished();
    return flushing;
  }

  /**
   * Called once a draft save has committed. The room id field belongs to the plugin once an
   * entry has a link row: a value the editor's form sent back (the form still holds what it
   * loaded before a room was made, unlinked or recreated) is put back to the link's room id.
   */
  async function onSaved(uid: string, documentId: string, locales: string[]): Promise<void> {
    const binding = (await settings().get()).contentTypes[uid];
    if (!binding) return;
    for (const target of targetsFor(binding, documentId, locales)) {
      const link = await links.findOne(uid, target.documentId, target.locale);
      if (!link || (link.status !== 'created' && link.status !== 'unlinked')) continue;
      const rows = (await queryOf(uid).findMany({
        where: scopeOf(link),
        select: [binding.roomIdField],
      })) as Entry[];
      const expected = link.status === 'created' ? (link.roomId ?? '') : '';
      if (rows.some((row) => asText(row[binding.roomIdField]) !== expected)) {
        await writeBack(link, binding.roomIdField, expected || null);
      }
    }
  }

  /**
   * Called once an unpublish or a delete has committed. With the binding's policy `delete`,
   * the rooms of what is gone are queued for deletion; with `keep`, an unpublished entry keeps
   * its room, and a deleted one's room is forgotten (it stays in iFlyChat). A room shared by all
   * locales is only touched when no locale is left published (unpublish) or left at all (delete).
   */
  async function onRemoved(
    kind: 'unpublish' | 'delete',
    uid: string,
    documentId: string,
    locales: string[]
  ): Promise<void> {
    const binding = (await settings().get()).contentTypes[uid];
    if (!binding) return;
    const targets = targetsFor(binding, documentId, locales);
    if (targets[0].locale === ALL_LOCALES) {
      const remaining = await queryOf(uid).count({
        where: { documentId, ...(kind === 'unpublish' ? { publishedAt: { $notNull: true } } : {}) },
      });
      if (remaining > 0) return;
    }
    const policy = kind === 'unpublish' ? binding.onUnpublish : binding.onDelete;
    if (policy === 'delete') {
      if ((await links.queueDelete(uid, targets)) > 0) worker.wake();
      return;
    }
    if (kind === 'delete') {
      for (const target of targets) {
        const row = await links.findOne(uid, target.documentId, target.locale);
        if (row && row.operation !== 'delete') await links.remove(row);
      }
    }
  }

  const backfilling = new Set<string>();

  return {
    /** Whether publishes of `uid` get rooms; false (and logged) when settings cannot be read. */
    async isBound(uid: string): Promise<boolean> {
      try {
        return uid in (await settings().get()).contentTypes;
      } catch (error) {
        log.error(`[iflychat] could not read the settings: ${describe(error)}`);
        return false;
      }
    },
    onPublished,
    onSaved,
    onRemoved,
    links,
    isPublished,
    writeBack,

    /** Clears the room id a copy of an entry (the `clone` action) inherited from its original. */
    async forgetCopiedRoom(uid: string, documentId: string): Promise<void> {
      const binding = (await settings().get()).contentTypes[uid];
      if (!binding) return;
      if (await links.findOne(uid, documentId)) return; // not a fresh copy
      await queryOf(uid).updateMany({
        where: { documentId },
        data: { [binding.roomIdField]: null },
      });
    },

    /**
     * The periodic sweep (cron): queue publishes whose job was never recorded, then run whatever
     * is due, including jobs whose lease ran out because their process died.
     */
    async sweep(): Promise<number> {
      const queued = await recovery.sweep((await settings().get()).contentTypes);
      if (queued > 0) {
        log.warn(`[iflychat] the sweep found ${queued} published entries without a room job`);
      }
      worker.wake();
      return queued;
    },

    /**
     * Queues every published entry of `uid` that has no room job yet, in the background; one
     * backfill per content type at a time. Running it again queues nothing new.
     */
    startBackfill(uid: string): void {
      if (backfilling.has(uid)) return;
      backfilling.add(uid);
      settings()
        .get()
        .then((config) => recovery.backfill(uid, config.contentTypes[uid]))
        .then((queued) => {
          log.info(`[iflychat] backfill of ${uid}: ${queued} entries queued`);
          if (queued > 0) worker.wake();
        })
        .catch((error: unknown) =>
          log.error(`[iflychat] backfill of ${uid} failed: ${describe(error)}`)
        )
        .finally(() => backfilling.delete(uid));
    },

    /** Resolves when no backfill is running (for tests and shutdown). */
    async backfillsDone(): Promise<void> {
      while (backfilling.size > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    },

    async progress(uid: string): Promise<BackfillProgress> {
      const [total, counts] = await Promise.all([
        settings()
          .get()
          .then((config) => recovery.countPublished(uid, config.contentTypes[uid])),
        links.countByStatus(uid),
      ]);
      const done = counts.created;
      // Unlinked by an editor: left alone on purpose, so not "remaining" either.
      const failed = counts.failed;
      const settled = done + failed + counts.unlinked;
      return { uid, total, done, failed, remaining: Math.max(0, total - settled) };
    },

    start(): void {
      worker.start();
    },
    wake(): void {
      worker.wake();
    },
    /** Resolves once no job is due or running. */
    idle: async () => {
      await (flushing ?? Promise.resolve());
      await worker.idle();
    },
    stop: async () => {
      await (flushing ?? Promise.resolve()).catch(() => undefined);
      await worker.stop();
    },
  };
}

export type SyncService = ReturnType<typeof createSyncService>;

export function describe(error: unknown): string {
  if (isIflychatError(error)) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
