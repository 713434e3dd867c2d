/**
 * Pure decisions for the Document Service middleware: does a call publish, and which locales did
 * it publish.
 */

export interface DocumentCallContext {
  uid: string;
  action: string;
  params?: { status?: unknown; locale?: unknown } & Record<string, unknown>;
}

/**
 * A call publishes when it is `publish`, or a `create` / `update` asked for the published status
 * (the REST API and `documents().create({ status: 'published' })` publish that way and never
 * show `action === 'publish'`).
 */
export function isPublishingCall(ctx: DocumentCallContext): boolean {
  if (ctx.action === 'publish') return true;
  return (ctx.action === 'create' || ctx.action === 'update') && ctx.params?.status === 'published';
}

export interface PublishedDocument {
  documentId: string;
  locales: string[];
}

type EntryLike = { documentId?: unknown; locale?: unknown };

function isEntry(value: unknown): value is EntryLike {
  return typeof value === 'object' && value !== null;
}

/**
 * Reads what was published from the call's result: `publish` answers
 * `{ documentId, entries: [...] }`, `create` / `update` answer the published entry itself.
 */
export function publishedFromResult(result: unknown): PublishedDocument | null {
  if (!isEntry(result)) return null;
  const list: unknown = 'entries' in result ? result.entries : undefined;
  const entries: EntryLike[] = Array.isArray(list) ? list.filter(isEntry) : [result];
  const documentId =
    typeof result.documentId === 'string'
      ? result.documentId
      : entries.find((entry) => typeof entry.documentId === 'string')?.documentId;
  if (typeof documentId !== 'string' || entries.length === 0) return null;
  const locales = [
    ...new Set(
      entries
        .map((entry) => (typeof entry.locale === 'string' ? entry.locale : null))
        .filter((locale): locale is string => locale !== null)
    ),
  ];
  return { documentId, locales };
}
