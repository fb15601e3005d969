import type { AuditTarget } from '../audit/record.js';
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
