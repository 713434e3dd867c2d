/** The numbers that tune the reconciler, in one place. */

/**
 * Longest sleep of the worker loop between two looks at the table (one indexed query): rows
 * marked by another instance, or left by one that died, are found this soon.
 */
export const POLL_MS = 5_000;
/** How long the worker loop waits before looking again when other instances won every due row. */
export const LOST_CLAIMS_PAUSE_MS = 50;
/** How long the worker loop waits after an error of its own before trying again. */
export const LOOP_ERROR_PAUSE_MS = 5_000;
/**
 * Runs at once, as a multiple of `concurrency` (the calls in flight): while some runs wait on
 * iFlyChat, others do their database work, and a call slot that frees up finds a run waiting.
 */
export const RUNS_PER_CALL_SLOT = 2;

/** A lease is renewed when less than this share of it is left (and while a run waits). */
export const LEASE_RENEW_SHARE = 1 / 3;

/** Marks written per statement (a bulk publish is marked in batches of this many rows). */
export const INTAKE_BATCH = 100;
/** Entries (and link rows) read per page by the audit and the backfill. */
export const AUDIT_PAGE = 500;

/** The largest value an `integer` room id attribute holds on every supported database. */
export const MAX_INTEGER_ROOM_ID = 2_147_483_647;
