/** The link rows' keys and targets: pure, shared by the link store and the room claims. */
import type { Binding } from '../../../contracts/config';

/** One room's owner: a document, or one locale of it (`*` when all locales share the room). */
export interface LinkTarget {
  documentId: string;
  locale: string;
}

/** Unique-constraint violations of SQLite, PostgreSQL and MySQL. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT' ||
    code === '23505' ||
    code === 'ER_DUP_ENTRY'
  );
}

/** `*` stands for "every locale of the document". */
export const ALL_LOCALES = '*';

export function linkKeyOf(uid: string, documentId: string, locale: string = ALL_LOCALES): string {
  return `${uid}:${documentId}:${locale}`;
}

/**
 * The rooms a change of these locales of a document touches: each locale's own room when the
 * binding gives one room per locale (and the type has locales), else the document's one room.
 */
export function targetsFor(
  binding: Pick<Binding, 'roomPer'> | undefined,
  documentId: string,
  locales: Array<string | null | undefined>
): LinkTarget[] {
  const known = [...new Set(locales.filter((locale): locale is string => Boolean(locale)))];
  if (binding?.roomPer === 'locale' && known.length > 0) {
    return known.map((locale) => ({ documentId, locale }));
  }
  return [{ documentId, locale: ALL_LOCALES }];
}
