/**
 * Every state ecs-guard shows is a WORD (HEALTHY, UNHEALTHY, FAILED, …); an emoji may sit beside
 * it but never carries the meaning alone (readers who cannot tell red from green, screen readers,
 * notifications). One table for coverage, the status command, findings and cards.
 */

const COVERAGE_EMOJI: Record<string, string> = {
  HEALTHY: ':large_green_circle:',
  UNHEALTHY: ':red_circle:',
};

/** A GuardDuty coverage status as its word (unknown values upper-cased, never dropped). */
export function coverageWord(status: string | undefined): string {
  const s = (status ?? '').trim().toUpperCase();
  return /^[A-Z_]{1,40}$/.test(s) ? s : 'UNKNOWN';
}

/** `:red_circle: *UNHEALTHY*`: the marker and the word, for mrkdwn text. */
export function coverageStatus(status: string | undefined): string {
  const w = coverageWord(status);
  return `${COVERAGE_EMOJI[w] ?? ':white_circle:'} *${w}*`;
}

export type CheckState = 'OK' | 'FAILED' | 'LATE' | 'OFF' | 'WAITING' | 'MISSING';

const CHECK_EMOJI: Record<CheckState, string> = {
  OK: ':white_check_mark:',
  FAILED: ':x:',
  LATE: ':warning:',
  OFF: ':double_vertical_bar:',
  WAITING: ':hourglass_flowing_sand:',
  MISSING: ':warning:',
};

/** `:x: *FAILED*`: a health check's state as marker and word (the status command). */
export const checkStatus = (s: CheckState): string => `${CHECK_EMOJI[s]} *${s}*`;

/** A finding's pipeline state (`posted`, `grouped`, …) as its word. */
export const findingStateWord = (state: string): string =>
  /^[a-z-]{1,20}$/.test(state) ? state.toUpperCase() : 'UNKNOWN';
