/**
 * Redeploy: a new deployment of an ECS service with the same task definition (UpdateService
 * forceNewDeployment). The scheduler replaces every running task; on a cluster Runtime Monitoring
 * manages, the new Fargate tasks start with the GuardDuty agent, so tasks that predate monitoring
 * are covered once they are replaced.
 */
import { type ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';

type Call = <T>(operation: string, fn: () => Promise<T>) => Promise<T>;
const direct: Call = (_op, fn) => fn();

export interface RedeployResult {
  deploymentId?: string;
  desiredCount?: number;
  taskDefinition?: string;
  awsRequestId?: string;
}

export async function forceNewDeployment(
  ecs: ECSClient,
  p: { cluster: string; service: string },
  call: Call = direct,
): Promise<RedeployResult> {
  const out = await call('UpdateService', () =>
    ecs.send(new UpdateServiceCommand({ cluster: p.cluster, service: p.service, forceNewDeployment: true })),
  );
  const primary = out.service?.deployments?.find((d) => d.status === 'PRIMARY');
  return {
    ...(primary?.id ? { deploymentId: primary.id } : {}),
    ...(out.service?.desiredCount !== undefined ? { desiredCount: out.service.desiredCount } : {}),
    ...(out.service?.taskDefinition ? { taskDefinition: out.service.taskDefinition } : {}),
    ...(out.$metadata.requestId ? { awsRequestId: out.$metadata.requestId } : {}),
  };
}
