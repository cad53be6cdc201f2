/**
 * Diagnostics the test suite turns on, not settings (loadConfig accepts their names in the environment and ignores
 * them). MUSTER_CHECK_PREPARED=1: every prepared query is also built by Kysely and compared (src/db/prepared.ts);
 * read once, at start (a read of process.env costs a call into the runtime, too much for every query).
 */
export const DIAGNOSTIC_VARS = ['MUSTER_CHECK_PREPARED'] as const;

export const isPreparedCheckOnAtStart = process.env.MUSTER_CHECK_PREPARED === '1';
