import type { Finding } from './model.js';

/**
 * The key a finding is stored under: its ARN, built from the account, region, detector and id
 * the finding itself names (never from an `arn` field that could disagree with them). GuardDuty
 * ids are unique per detector only, so the same id elsewhere is another finding, not an update.
 */
export type FindingKey = string;

const DETECTOR_OF_ARN = /:detector\/([A-Za-z0-9]{1,300})\/finding\//;

export function findingKeyOf(
  f: Pick<Finding, 'partition' | 'region' | 'accountId' | 'detectorId' | 'id' | 'arn'>,
): FindingKey {
  const detector = f.detectorId ?? (f.arn ? DETECTOR_OF_ARN.exec(f.arn)?.[1] : undefined) ?? '-';
  return `arn:${f.partition || 'aws'}:guardduty:${f.region}:${f.accountId}:detector/${detector}/finding/${f.id}`;
}

/** The GuardDuty finding id at the end of a key (or of a finding ARN). */
export const idOfKey = (key: FindingKey): string => key.slice(key.lastIndexOf('/') + 1);

/** Whether a string is a finding key (a GuardDuty finding ARN) rather than a bare id. */
export const isFindingKey = (s: string): boolean =>
  /^arn:[a-z-]+:guardduty:[a-z0-9-]+:\d{12}:detector\/[^/]+\/finding\/[A-Za-z0-9]{1,128}$/.test(s);
