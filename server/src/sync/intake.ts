/**
 * Intake: what the Document Service middleware reports after commit becomes marks on the
 * entries' link rows. A mark says only "look at this room again"; the worker decides what to do
 * from the entry as it is then. Publishes are gathered for a moment, so that a bulk publish of
 * a thousand entries is marked in a few batched statements.
 */
import type { Core } from '@strapi/strapi';

import type { Binding } from '../../../contracts/config';
import { bindingFor, isLocalized } from '../config/bindings';
import { getService } from '../utils/get-service';
import { asText } from '../utils/text';
import { INTAKE_BATCH } from './constants';
import type { Entries } from './entries';
import type { Links } from './links';
import { linkKeyOf, targetsFor, type LinkTarget } from './room-links-keys';

export interface IntakeDeps {
  strapi: Core.Strapi;
  links: Links;
  entries: Entries;
  wake: () => void;
}

/** Whether the binding gives each locale of `uid` a room of its own (the type is localized). */
export function roomPerLocale(
  strapi: Core.Strapi,
  uid: string,
  binding: Pick<Binding, 'roomPer'> | undefined
): boolean {
  return (
    binding?.roomPer === 'locale' &&
    isLocalized(strapi.contentTypes[uid as keyof typeof strapi.contentTypes])
  );
}

/** The rooms a change of these locales of a document touches, under the binding. */
export function targetsOf(
  strapi: Core.Strapi,
  binding: Binding,
  uid: string,
  documentId: string,
  locales: Array<string | null | undefined>
): LinkTarget[] {
  const roomPer = roomPerLocale(strapi, uid, binding) ? 'locale' : 'document';
  return targetsFor({ roomPer }, documentId, locales);
}

export function createIntake({ strapi, links, entries, wake }: IntakeDeps) {
  const settings = () => getService(strapi, 'settings');

  /** Publishes not marked yet, by content type and document (with their locales). */
  const published = new Map<string, Map<string, string[]>>();
  let scheduled: Promise<void> | null = null;
  /** Every piece of intake work still running: `settled()` waits for all of them. */
  const running = new Set<Promise<void>>();
  function track(work: Promise<void>): Promise<void> {
    const tracked = work.finally(() => running.delete(tracked));
    running.add(tracked);
    return tracked;
  }

  /** Marks the rooms of changed documents of `uid`, in batches. */
  async function markDocuments(
    uid: string,
    documents: Map<string, string[]>,
    publish: boolean
  ): Promise<void> {
    const binding = bindingFor((await settings().get()).contentTypes, uid);
    if (!binding) return;
    const targets = [...documents].flatMap(([documentId, locales]) =>
      targetsOf(strapi, binding, uid, documentId, locales)
    );
    for (let start = 0; start < targets.length; start += INTAKE_BATCH) {
      await links.mark(uid, targets.slice(start, start + INTAKE_BATCH), { publish });
    }
    wake();
  }

  async function flushPublished(): Promise<void> {
    // Let every after-commit callback of the same transaction add its document first.
    await new Promise((resolve) => setImmediate(resolve));
    const batches = [...published];
    published.clear();
    scheduled = null;
    for (const [uid, documents] of batches) await markDocuments(uid, documents, true);
  }

  /**
   * The room id attribute belongs to the plugin: a value the editor's form sent back (the form
   * holds what it loaded before a room was made, unlinked or recreated) marks the row, and the
   * worker writes the right value back.
   */
  async function markStaleRoomIds(uid: string, documentId: string, locales: string[]) {
    const binding = bindingFor((await settings().get()).contentTypes, uid);
    if (!binding) return;
    const stale: LinkTarget[] = [];
    for (const target of targetsOf(strapi, binding, uid, documentId, locales)) {
      const link = await links.byKey(linkKeyOf(uid, target.documentId, target.locale));
      if (!link) continue;
      const scope = { contentType: uid, entryDocumentId: documentId, entryLocale: target.locale };
      const values = await entries.roomIdsOn(scope, binding.roomIdField);
      if (values.some((value) => asText(value) !== (link.roomId ?? ''))) stale.push(target);
    }
    if ((await links.mark(uid, stale, { publish: false })) > 0) wake();
  }

  return {
    /** Called once a publish has committed; resolves when its mark is written. */
    onPublished(uid: string, documentId: string, locales: string[] = []): Promise<void> {
      const documents = published.get(uid) ?? new Map<string, string[]>();
      documents.set(documentId, [...new Set([...(documents.get(documentId) ?? []), ...locales])]);
      published.set(uid, documents);
      scheduled ??= track(flushPublished());
      return scheduled;
    },

    /** Called once an unpublish or a delete has committed: the worker applies the policy. */
    onRemoved(uid: string, documentId: string, locales: string[]): Promise<void> {
      return track(markDocuments(uid, new Map([[documentId, locales]]), false));
    },

    /** Called once a draft save has committed (see `markStaleRoomIds`). */
    onSaved(uid: string, documentId: string, locales: string[]): Promise<void> {
      return track(markStaleRoomIds(uid, documentId, locales));
    },

    /** Resolves once no intake work is running. */
    async settled(): Promise<void> {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}

export type Intake = ReturnType<typeof createIntake>;
