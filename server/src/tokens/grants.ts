/**
 * The token-grant table: one row per chat token issued to a site user, written with knex. Every
 * write that may race another instance is one conditional statement whose times come from the
 * database's own clock, in epoch milliseconds:
 *
 * - a **revocation** stamps `revokedAtMs` (and makes the row due now) on the live rows it names:
 *   from then on no instance hands the token out;
 * - a **claim** takes revoked rows that are due and that no live lease holds (all re-checked in
 *   the `UPDATE`), and writes a fresh `claimToken`, which tells the worker which rows it won;
 * - a deleted token's row is removed by its holder; a failed delete makes the row due again later.
 *
 * Live rows past their expiry are removed by the sweep: iFlyChat no longer accepts the token.
 */
import { createHash, randomUUID } from 'node:crypto';

import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';

import { openSecret, sealSecret } from '../settings/secrets';
import type { GrantFacts } from './access';
import { encryptionKey } from '../settings/stored';
import { nowMsSql } from '../utils/db-clock';
import { sanitizeReason } from '../utils/sanitize';

export const GRANTS_TABLE = 'iflychat_token_grants';

/** What a new grant records. */
export interface NewGrant {
  userId: number;
  token: string;
  signatureHash: string;
  /** Digest of the client (API version, base URL, key) the token was issued through. */
  clientHash: string;
  roleId: number | null;
  roleType: string | null;
  /** What the role map and the chat-role map gave the role (see `roleAccess`). */
  roleAccess: string;
  expiresAtMs: number;
}

/** A revoked row a worker holds (guarded by `claimToken`). */
export interface HeldGrant {
  id: number;
  userId: number;
  claimToken: string;
  /** Null when the stored token cannot be decrypted any more (the encryption key changed). */
  token: string | null;
  /** Digest of the client the token was issued through; it is deleted through that one only. */
  clientHash: string | null;
  reason: string;
  attempts: number;
  expiresAtMs: number;
}

export type Trx = Knex.Transaction | undefined;

/** The digest a token is found by (sign-out, the cache check); the token is never stored clear. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The digest of an iFlyChat client's identity (API version, base URL, key digest). */
export function clientHash(identity: string): string {
  return createHash('sha256').update(identity).digest('hex');
}

/** A short digest of what was sent to iFlyChat for a token (it names the API key's digest). */
export function signatureHash(signature: string): string {
  return createHash('sha256').update(signature).digest('hex');
}

const num = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value);

export function createGrants(strapi: Core.Strapi) {
  const db = strapi.db;
  const table = () => db.connection(GRANTS_TABLE);
  const NOW_SQL = nowMsSql(String(db.dialect.client));
  const now = () => db.connection.raw(NOW_SQL);
  const nowPlus = (ms: number) =>
    db.connection.raw(`(${NOW_SQL} + ${Math.max(0, Math.round(ms))})`);
  const key = () => encryptionKey(strapi);

  /** Live rows: not revoked. */
  const whereLive = (query: Knex.QueryBuilder) => query.whereNull('revoked_at_ms');
  /** The revocation stamp: due now, a fresh round of attempts. */
  const revokeColumns = (reason: string) => ({
    revoked_at_ms: now(),
    revoke_reason: sanitizeReason(reason).slice(0, 200),
    due_at_ms: now(),
    attempts: 0,
  });

  return {
    /** Records a new token; returns its row id. */
    async insert(grant: NewGrant): Promise<number> {
      const sealed = sealSecret(grant.token, key());
      const inserted: unknown = await table()
        .insert({
          user_id: grant.userId,
          token_hash: tokenHash(grant.token),
          sealed_token: sealed.value,
          token_encrypted: sealed.encrypted,
          signature_hash: grant.signatureHash,
          client_hash: grant.clientHash,
          role_id: grant.roleId,
          role_type: grant.roleType,
          role_access: grant.roleAccess,
          expires_at_ms: grant.expiresAtMs,
          attempts: 0,
        })
        .returning('id');
      const first = (inserted as Array<{ id: number } | number>)[0];
      return Number(typeof first === 'object' ? first.id : first);
    },

    /**
     * The newest live token of a user for this signature with more than `marginMs` left, or null.
     * A token that cannot be decrypted any more is not offered.
     */
    async findLive(userId: number, signature: string, marginMs: number) {
      const found: unknown = await whereLive(table())
        .where({ user_id: userId, signature_hash: signature })
        .where('expires_at_ms', '>', nowPlus(marginMs))
        .orderBy('id', 'desc')
        .limit(1)
        .select('id', 'sealed_token', 'token_encrypted', 'expires_at_ms');
      const [row] = found as Array<Record<string, unknown>>;
      if (!row) return null;
      const token = openSecret(
        { value: String(row.sealed_token), encrypted: Boolean(row.token_encrypted) },
        key()
      );
      return token === null
        ? null
        : { id: Number(row.id), token, expiresAt: Number(row.expires_at_ms) };
    },

    /** Whether the grant `id` is still live (one read by primary key). */
    async isLive(id: number): Promise<boolean> {
      const rows = (await whereLive(table().where('id', id)).select('id')) as unknown[];
      return rows.length === 1;
    },

    /** Revokes every live token of these users; returns how many. */
    async revokeUsers(userIds: number[], reason: string): Promise<number> {
      if (userIds.length === 0) return 0;
      return whereLive(table().whereIn('user_id', userIds)).update(revokeColumns(reason));
    },

    /** Revokes the live grants with these ids; returns how many. */
    async revokeIds(ids: number[], reason: string): Promise<number> {
      if (ids.length === 0) return 0;
      return whereLive(table().whereIn('id', ids)).update(revokeColumns(reason));
    },

    /** Revokes the user's live tokens older than `id` for another signature (replaced). */
    async revokeReplaced(userId: number, id: number, signature: string): Promise<number> {
      return whereLive(table().where('user_id', userId).where('id', '<', id))
        .whereNot('signature_hash', signature)
        .update(revokeColumns('replaced'));
    },

    /** Revokes the live token with this value when it is the user's; false when there is none. */
    async revokeToken(userId: number, token: string, reason: string): Promise<boolean> {
      const count = await whereLive(
        table().where({ user_id: userId, token_hash: tokenHash(token) })
      ).update(revokeColumns(reason));
      return count > 0;
    },

    /** One page of live grants after `afterId`, for the sweep. */
    async livePage(afterId: number, limit: number): Promise<GrantFacts[]> {
      const found: unknown = await whereLive(table().where('id', '>', afterId))
        .orderBy('id', 'asc')
        .limit(limit)
        .select('id', 'user_id', 'role_id', 'role_type', 'role_access');
      return (found as Array<Record<string, unknown>>).map((row) => ({
        id: Number(row.id),
        userId: Number(row.user_id),
        roleId: num(row.role_id),
        roleType: (row.role_type as string | null) ?? null,
        roleAccess: (row.role_access as string | null) ?? null,
      }));
    },

    /** Removes live rows whose token has expired (iFlyChat refuses it anyway). */
    async removeExpired(): Promise<number> {
      return whereLive(table()).where('expires_at_ms', '<', now()).delete();
    },

    /**
     * Claims up to `limit` revoked rows that are due and free (of one user, with `userId`), for
     * `leaseMs`: one `UPDATE` re-checks all of that, so two instances never both hold a row.
     */
    async claim(limit: number, leaseMs: number, userId?: number): Promise<HeldGrant[]> {
      const due = (q: Knex.QueryBuilder) =>
        (userId === undefined ? q : q.where('user_id', userId))
          .whereNotNull('revoked_at_ms')
          .where('due_at_ms', '<=', now())
          .whereRaw(`(lease_until_ms is null or lease_until_ms < ${NOW_SQL})`);
      const found = (await due(table().select('id'))
        .orderBy('due_at_ms', 'asc')
        .limit(limit)) as Array<{ id: number }>;
      if (found.length === 0) return [];
      const claimToken = randomUUID();
      const count = await due(
        table().whereIn(
          'id',
          found.map((row) => Number(row.id))
        )
      ).update({
        claim_token: claimToken,
        lease_until_ms: nowPlus(leaseMs),
        attempts: db.connection.raw('attempts + 1'),
      });
      if (count === 0) return [];
      const rows = (await table().where('claim_token', claimToken)) as Array<
        Record<string, unknown>
      >;
      return rows.map((row) => ({
        id: Number(row.id),
        userId: Number(row.user_id),
        claimToken,
        token: openSecret(
          { value: String(row.sealed_token), encrypted: Boolean(row.token_encrypted) },
          key()
        ),
        clientHash: (row.client_hash as string | null) ?? null,
        reason: (row.revoke_reason as string | null) ?? 'revoked',
        attempts: Number(row.attempts ?? 1),
        expiresAtMs: Number(row.expires_at_ms),
      }));
    },

    /**
     * Extends a held row's lease that has not run out, just before its delete call; false when the
     * row is not held any more (its lease ran out and another instance may have it).
     */
    async renew(held: HeldGrant, leaseMs: number): Promise<boolean> {
      const count = await table()
        .where({ id: held.id, claim_token: held.claimToken })
        .where('lease_until_ms', '>', now())
        .update({ lease_until_ms: nowPlus(leaseMs) });
      return count === 1;
    },

    /** The held row is done with (deleted in iFlyChat, or expired): removed. */
    async remove(held: HeldGrant): Promise<boolean> {
      const count = await table()
        .where({ id: held.id, claim_token: held.claimToken })
        .where('lease_until_ms', '>', now())
        .delete();
      return count === 1;
    },

    /** The held row's delete failed: due again after `delayMs`, lease given up. */
    async retry(held: HeldGrant, reason: string, delayMs: number): Promise<boolean> {
      const count = await table()
        .where({ id: held.id, claim_token: held.claimToken })
        .update({
          last_error: sanitizeReason(reason).slice(0, 1000),
          due_at_ms: nowPlus(delayMs),
          lease_until_ms: null,
          claim_token: null,
        });
      return count === 1;
    },

    /** Milliseconds until the next revoked row is due (or its lease runs out); null if none. */
    async nextDueInMs(): Promise<number | null> {
      const found: unknown = await table()
        .whereNotNull('revoked_at_ms')
        .select(
          db.connection.raw(
            `min(case when lease_until_ms is not null and lease_until_ms > due_at_ms then lease_until_ms else due_at_ms end) - ${NOW_SQL} as ms`
          )
        );
      const ms = num((found as Array<{ ms: unknown }>)[0]?.ms);
      return ms === null ? null : Math.max(0, ms);
    },
  };
}

export type Grants = ReturnType<typeof createGrants>;
