/**
 * The cluster tag Runtime Monitoring reads, and the lookup of a cluster with its tags and
 * settings: the enable/disable pre-flight and its job read a cluster the same way.
 */
import { type Cluster, DescribeClustersCommand, type ECSClient } from '@aws-sdk/client-ecs';

/** `true` includes the cluster in Runtime Monitoring (removing an exclusion), `false` excludes it. */
export const MANAGED_TAG = 'GuardDutyManaged';

/** The ACTIVE cluster by that name or ARN, with tags and settings; undefined when there is none. */
export async function activeCluster(ecs: ECSClient, cluster: string): Promise<Cluster | undefined> {
  const d = await ecs.send(
    new DescribeClustersCommand({ clusters: [cluster], include: ['TAGS', 'SETTINGS'] }),
  );
  const c = d.clusters?.find((x) => x.status === 'ACTIVE');
  return c?.clusterArn ? c : undefined;
}

/** The cluster's `GuardDutyManaged` value ('' = no tag). */
export const managedTagOf = (c: Cluster): string => c.tags?.find((t) => t.key === MANAGED_TAG)?.value ?? '';
