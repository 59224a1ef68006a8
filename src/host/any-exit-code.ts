/**
 * Every exit status a process can report (0–255), as `okExitCodes`: for
 * callers that read the exit code themselves instead of treating non-zero as
 * a failure (probes, interactive sessions, ssh, which reports its own failure
 * as 255).
 */
export const ANY_EXIT_CODE: readonly number[] = Object.freeze(Array.from({ length: 256 }, (_, i) => i));
