/**
 * Sync: turns publishes of bound content types into room jobs, runs them in the background and
 * writes the resulting room id back onto the entry.
 */
import type { Core } from '@strapi/strapi';

import type { Binding } from '../../../contracts/config';
import { isIflychatError } from '../iflychat/errors';
import type { IflychatClient } from '../iflychat/client';
import { getService } from '../utils/get-service';
import { createRoomLinks, ALL_LOCALES, type RoomLink } from './room-links';
import { createWorker } from './worker';
import { relationFieldsToPopulate, resolveRoomParams, type Entry } from './room-params';
import { retryDelayMs } from './backoff';
import { asText } from '../utils/text';

/** How long a claimed job may run before another worker may take it over. */
const LEASE_MS = 5 * 60_000;

export function createSyncService({ strapi }: { strapi: Core.Strapi }) {
  const links = createRoomLinks(strapi);
  const settings = () => getService(strapi, 'settings');
  const log = strapi.log;

  const worker = createWorker({
    links,
    run: (claimed) => processLink(claimed),
    concurrency: () => settings().cached()?.concurrency ?? 4,
    leaseMs: LEASE_MS,
    onError: (error) => log.error(`[iflychat] room worker error: ${describe(error)}`),
  });

  /** Every row of the entry (draft and published, every locale) gets the room id. */
  async function writeBack(uid: string, documentId: string, field: string, roomId: string) {
    const attribute = strapi.contentTypes[uid as keyof typeof strapi.contentTypes]?.attributes?.[
      field
    ] as { type?: string } | undefined;
    const value = attribute?.type === 'integer' ? Number(roomId) : roomId;
    await strapi.db.query(uid).updateMany({ where: { documentId }, data: { [field]: value } });
  }

  /** The published version the room is named after: the default locale's when there is one. */
  async function loadPublishedEntry(uid: string, documentId: string, binding: Binding) {
    const rows = (await strapi.db.query(uid).findMany({
      where: { documentId, publishedAt: { $notNull: true } },
      populate: relationFieldsToPopulate(binding).filter((field) => {
        const attribute = strapi.contentTypes[uid as keyof typeof strapi.contentTypes]
          ?.attributes?.[field] as { type?: string } | undefined;
        return attribute?.type === 'relation';
      }),
    })) as Entry[];
    if (rows.length <= 1) return rows[0] ?? null;
    const locales = strapi
      .plugin('i18n')
      ?.service<{ getDefaultLocale(): Promise<string | undefined> }>('locales');
    const defaultLocale = await locales?.getDefaultLocale().catch(() => undefined);
    return rows.find((row) => row.locale === defaultLocale) ?? rows[0];
  }

  /** A room that another link row does not own already, and that may be adopted. */
  async function isUnowned(roomId: string, self: RoomLink): Promise<boolean> {
    const owner = await links.findByRoomId(roomId);
    return !owner || owner.id === self.id;
  }

  async function finish(
    claimed: RoomLink,
    uid: string,
    field: string,
    roomId: string,
    name: string | null
  ) {
    await writeBack(uid, claimed.entryDocumentId, field, roomId);
    await links.update(claimed, {
      status: 'created',
      roomId,
      roomName: name,
      lastError: null,
      mayHaveCreated: false,
      nextAttemptAt: null,
      leaseExpiresAt: null,
      syncedAt: new Date(),
    });
  }

  async function fail(claimed: RoomLink, reason: string) {
    log.warn(`[iflychat] no room for ${claimed.contentType} ${claimed.entryDocumentId}: ${reason}`);
    await links.update(claimed, {
      status: 'failed',
      lastError: reason,
      nextAttemptAt: null,
      leaseExpiresAt: null,
      syncedAt: new Date(),
    });
  }

  async function retryLater(claimed: RoomLink, error: unknown, maxAttempts: number) {
    const reason = describe(error);
    const mayHaveCreated =
      Boolean(claimed.mayHaveCreated) || (isIflychatError(error) && error.mayHaveReachedServer);
    if (claimed.attempts >= maxAttempts) {
      await links.update(claimed, { mayHaveCreated });
      await fail(claimed, `gave up after ${claimed.attempts} attempts: ${reason}`);
      return;
    }
    const retryAfter =
      isIflychatError(error) && 'retryAfterSeconds' in error ? error.retryAfterSeconds : undefined;
    const delay = retryDelayMs(claimed.attempts, retryAfter as number | undefined);
    log.info(
      `[iflychat] room for ${claimed.contentType} ${claimed.entryDocumentId} will be retried in ${Math.round(delay / 1000)} s: ${reason}`
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
    const rooms = await client.listRooms();
    for (const room of rooms.filter((candidate) => candidate.name === name)) {
      if (await isUnowned(room.roomId, claimed)) return room.roomId;
    }
    return null;
  }

  async function processLink(claimed: RoomLink): Promise<void> {
    const config = await settings().get();
    const uid = claimed.contentType;
    const binding = config.contentTypes[uid];
    if (!binding) {
      await fail(claimed, `${uid} is no longer bound to iFlyChat in the plugin's settings`);
      return;
    }
    const client = await settings().getClient();
    if (!client) {
      // Idle without an API key: give the job back untouched, it runs once a key is set.
      await links.update(claimed, {
        status: 'pending',
        attempts: claimed.attempts - 1,
        leaseExpiresAt: null,
        nextAttemptAt: new Date(Date.now() + 60_000),
      });
      return;
    }

    try {
      // A room made by an earlier attempt whose write-back did not finish.
      if (claimed.roomId) {
        await finish(claimed, uid, binding.roomIdField, claimed.roomId, claimed.roomName);
        return;
      }

      const entry = await loadPublishedEntry(uid, claimed.entryDocumentId, binding);
      if (!entry) {
        await fail(claimed, 'the entry is not published any more');
        return;
      }

      // An entry that already carries a room id keeps it, unless another entry owns that room
      // (a copy of an entry carries its original's id).
      const carried = asText(entry[binding.roomIdField]);
      if (carried && (await isUnowned(carried, claimed))) {
        await finish(claimed, uid, binding.roomIdField, carried, null);
        return;
      }

      const resolved = resolveRoomParams(binding, entry, config.roleMap);
      if (!resolved.ok) {
        await fail(claimed, resolved.reason);
        return;
      }
      const params = resolved.params;

      let roomId = claimed.mayHaveCreated ? await findLostRoom(client, claimed, params.name) : null;
      if (!roomId) {
        roomId = (await client.createRoom(params)).roomId;
      }
      // Keep the id before anything else can fail, so a retry writes it back instead of
      // creating another room.
      await links.update(claimed, { roomId, roomName: params.name });
      await finish(claimed, uid, binding.roomIdField, roomId, params.name);
      log.info(
        `[iflychat] room ${roomId} "${params.name}" created for ${uid} ${claimed.entryDocumentId}`
      );
    } catch (error) {
      if (isIflychatError(error) && !error.retryable) {
        await fail(claimed, error.message);
      } else {
        await retryLater(claimed, error, config.maxAttempts);
      }
    }
  }

  /** Called once the publishing transaction has committed. */
  async function onPublished(uid: string, documentId: string): Promise<void> {
    if (await links.enqueue(uid, documentId, ALL_LOCALES)) worker.wake();
  }

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
    findLink: (uid: string, documentId: string) => links.findOne(uid, documentId),
    start(): void {
      worker.start();
    },
    wake(): void {
      worker.wake();
    },
    /** Resolves once no job is due or running. */
    idle: () => worker.idle(),
    stop: () => worker.stop(),
  };
}

export type SyncService = ReturnType<typeof createSyncService>;

export function describe(error: unknown): string {
  if (isIflychatError(error)) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
