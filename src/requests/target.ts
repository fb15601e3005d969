import type { AuditTarget } from '../audit/record.js';
import type { Finding } from '../findings/model.js';
import type { RemediationTarget } from '../remediations/types.js';
import type { ActionRequest } from './store.js';

/** The audit target of a request: everything that identifies what it acts on. */
export function requestTarget(r: ActionRequest): AuditTarget {
  return {
    accountId: r.accountId,
    region: r.region,
    findingId: r.findingId,
    requestId: r.requestId,
    ...(r.cluster ? { cluster: r.cluster } : {}),
    ...(r.taskArn ? { taskArn: r.taskArn } : {}),
  };
}

/** Where a remediation of a finding's card acts: the finding's account, region, cluster, task, service. */
export function findingTarget(f: Finding): RemediationTarget {
  const cluster = f.clusterName ?? f.clusterArn;
  return {
    accountId: f.accountId,
    region: f.region,
    findingId: f.id,
    ...(cluster ? { cluster } : {}),
    ...(f.taskArn ? { taskArn: f.taskArn } : {}),
    ...(f.service ? { service: f.service } : {}),
  };
}
