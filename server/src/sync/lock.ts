/**
 * A named lease shared by every Strapi instance of one database: at most one holds it until it
 * runs out or is given back. The unique key on the name settles two instances taking a free
 * lock at once; taking an expired one is a compare-and-set on its expiry (which always changes,
 * so MySQL's changed-rows count is the matched count).
 */
import crypto from 'node:crypto';

import type { Core } from '@strapi/strapi';

import { LOCK_UID } from '../content-types';
import type { Clock } from './clock';
import { isUniqueViolation } from './room-links-keys';

export function createLock(strapi: Core.Strapi, clock: Clock, name: string) {
  const query = () => strapi.db.query(LOCK_UID);
  const holder = `${process.pid}:${crypto.randomUUID()}`;

  return {
    /** Takes (or keeps) the lock for `ms`; false when another instance holds it. */
    async acquire(ms: number): Promise<boolean> {
      const now = clock.now();
      const expiresAt = new Date(now.getTime() + ms);
      const kept = await query().updateMany({
        where: { name, $or: [{ holder }, { expiresAt: { $lt: now } }] },
        data: { holder, expiresAt },
      });
      if (kept.count === 1) return true;
      try {
        await query().create({ data: { name, holder, expiresAt } });
        return true;
      } catch (error) {
        if (isUniqueViolation(error)) return false;
        throw error;
      }
    },

    /** Gives the lock back (if this instance holds it). */
    async release(): Promise<void> {
      await query().deleteMany({ where: { name, holder } });
    },
  };
}
