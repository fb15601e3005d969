/**
 * restJson1 routing for GuardDuty: method + path → operation and path labels, as the SDK's URI
 * templates produce them (labels are URI-encoded).
 */
export interface GdRoute {
  operation: string;
  detectorId?: string;
  filterName?: string;
}

const FINDINGS_SUB: Record<string, string> = {
  get: 'GetFindings',
  archive: 'ArchiveFindings',
  unarchive: 'UnarchiveFindings',
  create: 'CreateSampleFindings',
  statistics: 'GetFindingsStatistics',
  feedback: 'UpdateFindingsFeedback',
};

export function routeGuardDuty(method: string, pathname: string): GdRoute | undefined {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] !== 'detector') return undefined;
  const [, detectorId, section, sub, ...rest] = parts;
  if (rest.length) return undefined;
  if (detectorId === undefined)
    return method === 'GET'
      ? { operation: 'ListDetectors' }
      : method === 'POST'
        ? { operation: 'CreateDetector' }
        : undefined;
  if (section === undefined) {
    const op = { GET: 'GetDetector', POST: 'UpdateDetector', DELETE: 'DeleteDetector' }[method];
    return op ? { operation: op, detectorId } : undefined;
  }
  if (section === 'findings' && method === 'POST') {
    const op = sub === undefined ? 'ListFindings' : FINDINGS_SUB[sub];
    return op ? { operation: op, detectorId } : undefined;
  }
  if (section === 'member' && method === 'GET' && sub === undefined)
    return { operation: 'ListMembers', detectorId };
  if (section === 'coverage' && method === 'POST') {
    if (sub === undefined) return { operation: 'ListCoverage', detectorId };
    if (sub === 'statistics') return { operation: 'GetCoverageStatistics', detectorId };
    return undefined;
  }
  if (section === 'filter') {
    if (sub === undefined) {
      const op = { GET: 'ListFilters', POST: 'CreateFilter' }[method];
      return op ? { operation: op, detectorId } : undefined;
    }
    const op = { GET: 'GetFilter', POST: 'UpdateFilter', DELETE: 'DeleteFilter' }[method];
    return op ? { operation: op, detectorId, filterName: sub } : undefined;
  }
  return undefined;
}
