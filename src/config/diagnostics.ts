/**
 * Diagnostics the test suite turns on, not settings (loadConfig accepts their names in the environment and ignores
 * them). MUSTER_CHECK_PREPARED=1: every prepared query is also built by Kysely and compared (src/db/prepared.ts).
 */
export const DIAGNOSTIC_VARS = ['MUSTER_CHECK_PREPARED'] as const;

export const isPreparedCheckOn = (): boolean => process.env.MUSTER_CHECK_PREPARED === '1';
