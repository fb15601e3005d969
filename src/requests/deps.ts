import type { AuditTarget } from '../audit/record.js';
import type { AppContext } from '../context.js';
import { GroupResolver } from './membership.js';
import { type ActionRequest, RequestStore } from './store.js';

/** What the action handlers, jobs and the sweeper share beyond the AppContext. */
export interface ActionsDeps {
  requests: RequestStore;
  groups: GroupResolver;
}

const memo = new WeakMap<AppContext, ActionsDeps>();

/** One RequestStore and GroupResolver per AppContext (listeners and workers share them). */
export function actionsDeps(ctx: AppContext): ActionsDeps {
  let d = memo.get(ctx);
  if (!d) {
    d = {
      requests: new RequestStore(
        ctx.redis,
        ctx.keys,
        ctx.clock,
        ctx.config.audit.hmacKey.reveal(),
        (ctx.config.retentionDays ?? 90) * 86_400_000,
      ),
      groups: new GroupResolver({ slack: ctx.slack, redis: ctx.redis, keys: ctx.keys, log: ctx.log }),
    };
    memo.set(ctx, d);
  }
  return d;
}

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
