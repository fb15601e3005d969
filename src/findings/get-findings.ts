import {
  type Finding as GdFinding,
  GetFindingsCommand,
  type GuardDutyClient,
} from '@aws-sdk/client-guardduty';

/** GetFindings takes at most 50 ids; ListFindings returns at most 50 a page. */
export const GD_BATCH = 50;

/**
 * The one way ecs-guard reads findings from GuardDuty (poll, reconcile and pushed hints):
 * GetFindings from the administrator detector, 50 ids a call. Ids GuardDuty does not know are
 * simply absent from the answer; `missing` lists them.
 */
export async function getFindings(
  gd: GuardDutyClient,
  detectorId: string,
  ids: readonly string[],
): Promise<{ findings: GdFinding[]; missing: string[] }> {
  const unique = [...new Set(ids)];
  const findings: GdFinding[] = [];
  for (let i = 0; i < unique.length; i += GD_BATCH) {
    const got = await gd.send(
      new GetFindingsCommand({ DetectorId: detectorId, FindingIds: unique.slice(i, i + GD_BATCH) }),
    );
    findings.push(...(got.Findings ?? []));
  }
  const found = new Set(findings.map((f) => f.Id));
  return { findings, missing: unique.filter((id) => !found.has(id)) };
}
