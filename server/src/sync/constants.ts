/** The numbers that tune room jobs, in one place. */

/** Longest sleep of the job loop between two looks at the queue when nothing asked for one. */
export const MAX_SLEEP_MS = 60_000;
/** How long the job loop waits before looking again when other instances won every due row. */
export const LOST_CLAIMS_PAUSE_MS = 50;
/** How long the job loop waits after an error of its own before trying again. */
export const LOOP_ERROR_PAUSE_MS = 5_000;
/** Jobs claimed per round trip, as a multiple of the number of jobs run at once. */
export const CLAIM_AHEAD_FACTOR = 1;
/**
 * Jobs run at once, as a multiple of `concurrency` (the calls in flight): while some jobs wait
 * on iFlyChat, others do their database work (a finished job waits for its batch to be written),
 * and a call slot that frees up always finds a job waiting for it.
 */
export const JOBS_PER_CALL_SLOT = 4;

/** Without settings read yet: the lease of a claimed job, and a call's timeout. */
export const DEFAULT_LEASE_MS = 120_000;
export const DEFAULT_TIMEOUT_MS = 10_000;
/** A lease is renewed when less than this share of it is left (and while a job waits). */
export const LEASE_RENEW_SHARE = 1 / 3;
/** A job is given back and looked at again this long after a run with no API key set. */
export const NO_KEY_DELAY_MS = 60_000;

/** Publishes reported after commit are written in batches of this many link rows. */
export const INTAKE_BATCH = 100;
/** Targets read and queued per query by `queue`. */
export const QUEUE_BATCH = 200;
/** Entries read per page by the sweep and the backfill. */
export const SCAN_PAGE = 500;
/** Publishes committed this long after their publishedAt are still found by the sweep. */
export const LATE_COMMIT_MARGIN_MS = 10 * 60_000;
/** Room id claims written per query when existing rooms are given their claim at startup. */
export const CLAIM_BACKFILL_PAGE = 500;

/** The largest value an `integer` room id attribute holds on every supported database. */
export const MAX_INTEGER_ROOM_ID = 2_147_483_647;

/** How often the offset between this process's clock and the database's is measured again. */
export const CLOCK_RESYNC_MS = 60_000;
/** Queries per measurement of the clock's offset; the quickest round trip is kept. */
export const CLOCK_SAMPLES = 3;

/** The most finished jobs written in one transaction (see `finish-batch.ts`). */
export const FINISH_BATCH_MAX = 64;
/**
 * How long a finished job waits for others finishing at about the same time, to be written in
 * the same transaction: a few milliseconds of delay for the room id, one commit for many jobs.
 */
export const FINISH_LINGER_MS = 10;
