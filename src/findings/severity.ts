import type { Finding, SeverityLabel } from './model.js';

/** Ordered low → critical; the index is the rank. */
export const SEVERITY_LABELS: readonly SeverityLabel[] = ['Low', 'Medium', 'High', 'Critical'];

/**
 * GuardDuty's bands (guardduty.md §1/§8): ≥9 Critical, ≥7 High, ≥4 Medium, otherwise Low.
 * Non-finite numbers count as Low so a malformed finding is never promoted.
 */
export function severityLabel(n: number): SeverityLabel {
  if (!Number.isFinite(n)) return 'Low';
  if (n >= 9) return 'Critical';
  if (n >= 7) return 'High';
  if (n >= 4) return 'Medium';
  return 'Low';
}

export const severityRank = (label: SeverityLabel): number => SEVERITY_LABELS.indexOf(label);

export function severityAtLeast(f: Pick<Finding, 'severityLabel'>, min: SeverityLabel): boolean {
  return severityRank(f.severityLabel) >= severityRank(min);
}

/** Slack emoji shortcode per label (a colour marker in the card header and fallback text). */
export const SEVERITY_EMOJI: Record<SeverityLabel, string> = {
  Low: ':large_blue_circle:',
  Medium: ':large_yellow_circle:',
  High: ':large_orange_circle:',
  Critical: ':red_circle:',
};
