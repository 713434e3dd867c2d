/**
 * The moderation log: one row per moderation action (the plugin's `moderation-log` type, hidden
 * from the Content Manager), written whether the action worked or not, read newest first.
 */
import type { Core } from '@strapi/strapi';

import type {
  ModerationAction,
  ModerationLog,
  ModerationLogEntry,
} from '../../../contracts/moderation';
import { MODERATION_LOG_UID } from '../content-types';

/** Who acted: an admin (id and name), or the plugin itself (block → ban sync). */
export interface Actor {
  id: number | null;
  name: string;
}

export interface LogRecord {
  action: ModerationAction;
  target: string;
  roomId?: string;
  actor: Actor;
  result: 'done' | 'failed';
  reason?: string;
}

interface LogRow {
  id: number;
  action: ModerationAction;
  target: string;
  roomId: string | null;
  adminId: number | null;
  adminName: string;
  result: 'done' | 'failed';
  reason: string | null;
  createdAt: string | Date;
}

const MAX_FIELD = 255;

export function createModerationLog(strapi: Core.Strapi) {
  const query = () => strapi.db.query(MODERATION_LOG_UID);

  return {
    /** Writes a row; a failure to write is logged, never thrown over the action's own result. */
    async record(entry: LogRecord): Promise<void> {
      try {
        await query().create({
          data: {
            action: entry.action,
            target: entry.target.slice(0, MAX_FIELD),
            roomId: entry.roomId ?? null,
            adminId: entry.actor.id,
            adminName: entry.actor.name.slice(0, MAX_FIELD),
            result: entry.result,
            reason: entry.reason?.slice(0, 2_000) ?? null,
          },
        });
      } catch (error) {
        strapi.log.error(
          `[iflychat] moderation log: could not record ${entry.action} of ${entry.target}: ${
            error instanceof Error ? error.message : String(error)
          }`
        );
      }
    },

    async page(page: number, pageSize: number): Promise<ModerationLog.Response> {
      const [rows, total] = await Promise.all([
        query().findMany({
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          limit: pageSize,
          offset: (page - 1) * pageSize,
        }) as Promise<LogRow[]>,
        query().count({}),
      ]);
      return {
        data: rows.map((row): ModerationLogEntry => ({
          id: row.id,
          action: row.action,
          target: row.target,
          roomId: row.roomId ?? null,
          adminId: row.adminId ?? null,
          adminName: row.adminName,
          result: row.result,
          reason: row.reason ?? null,
          at: new Date(row.createdAt).toISOString(),
        })),
        meta: {
          pagination: { page, pageSize, pageCount: Math.ceil(total / pageSize), total },
        },
      };
    },
  };
}
