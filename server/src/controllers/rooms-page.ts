/**
 * Admin API of the Rooms page (see contracts/rooms-page.ts). Thin: validate (400 naming the
 * field), call the Rooms page service, answer `{ data }`. The routes check the plugin's
 * permissions; an entry's title is shown only for types the admin may read in the Content
 * Manager.
 */
import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';

import {
  orphanDeleteSchema,
  retryFailedSchema,
  roomListSchema,
  roomQuerySchema,
  type ListOrphans,
  type ListRooms,
  type RetryFailedResult,
  type RoomRow,
} from '../../../contracts/rooms-page';
import { contentManagerChecker } from '../utils/content-manager';
import { withStrapiErrors } from '../utils/errors';
import { getService } from '../utils/get-service';
import { parseOr400 } from '../utils/validation';

type AdminContext = Context & {
  request: Context['request'] & { body?: unknown };
  state: { userAbility?: unknown; user?: { id?: number; email?: string } };
};

const CSV_COLUMNS: Array<[string, (row: RoomRow) => string | number | boolean | null]> = [
  ['type', (row) => row.uid],
  ['documentId', (row) => row.documentId],
  ['locale', (row) => row.locale],
  ['title', (row) => row.title],
  ['published', (row) => row.published],
  ['roomId', (row) => row.roomId],
  ['status', (row) => row.status],
  ['attempts', (row) => row.attempts],
  ['lastReason', (row) => row.lastError],
  ['lastSync', (row) => row.syncedAt],
];

/**
 * One CSV cell: quoted, and a text that a spreadsheet would run as a formula (`=`, `+`, `-`,
 * `@`, tab, carriage return first) is kept as text with a leading apostrophe.
 */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r']/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const page = () => getService(strapi, 'roomsPage');

  /** Whether the admin may read entries of a type in the Content Manager (titles shown). */
  function readable(ctx: AdminContext): (uid: string) => boolean {
    const known = new Map<string, boolean>();
    return (uid) => {
      if (!known.has(uid)) {
        known.set(uid, !contentManagerChecker(strapi, ctx.state.userAbility, uid).cannot.read());
      }
      return known.get(uid) === true;
    };
  }

  const adminName = (ctx: AdminContext) => `admin ${ctx.state.user?.id ?? '?'}`;

  return withStrapiErrors({
    async list(ctx: AdminContext) {
      const query = parseOr400(roomListSchema, ctx.query);
      ctx.body = (await page().list(query, readable(ctx))) satisfies ListRooms.Response;
    },

    async export(ctx: AdminContext) {
      const query = parseOr400(roomQuerySchema, ctx.query);
      const lines = [CSV_COLUMNS.map(([name]) => name).join(',')];
      for await (const rows of page().exportRows(query, readable(ctx))) {
        for (const row of rows)
          lines.push(CSV_COLUMNS.map(([, get]) => csvCell(get(row))).join(','));
      }
      ctx.set('Content-Disposition', 'attachment; filename="iflychat-rooms.csv"');
      ctx.type = 'text/csv; charset=utf-8';
      ctx.body = `${lines.join('\r\n')}\r\n`;
    },

    async retryFailed(ctx: AdminContext) {
      const { uid } = parseOr400(retryFailedSchema, ctx.request.body);
      ctx.body = { data: await page().retryFailed(uid) } satisfies { data: RetryFailedResult };
    },

    async orphans(ctx: AdminContext) {
      ctx.body = (await page().orphans()) satisfies ListOrphans.Response;
    },

    async deleteOrphan(ctx: AdminContext) {
      const { roomId } = parseOr400(orphanDeleteSchema, ctx.request.body);
      ctx.body = { data: await page().deleteOrphan(roomId, adminName(ctx)) };
    },
  });
};
