/**
 * AWS console links an investigator opens from the evidence snapshot. Pure; every part that comes
 * from AWS or a finding is URL-encoded, and the links are only ever shown as links we build.
 */

const consoleBase = (region: string) => `https://${region}.console.aws.amazon.com`;

/** The CloudWatch console's path encoding: URI-encode twice, `%` written as `$`. */
const cwPath = (s: string) => encodeURIComponent(encodeURIComponent(s)).replace(/%/g, '$');

export interface AwslogsStream {
  group: string;
  region: string;
  /** Present when the container sets `awslogs-stream-prefix` (required on Fargate). */
  stream?: string;
}

/**
 * Where the `awslogs` driver writes a container's output: group `awslogs-group`, stream
 * `<awslogs-stream-prefix>/<container name>/<task id>`. Undefined for any other log driver.
 */
export function awslogsStream(
  container: { name?: string; logConfiguration?: { logDriver?: string; options?: Record<string, string> } },
  taskId: string,
  defaultRegion: string,
): AwslogsStream | undefined {
  const lc = container.logConfiguration;
  if (lc?.logDriver !== 'awslogs') return undefined;
  const group = lc.options?.['awslogs-group'];
  if (!group) return undefined;
  const prefix = lc.options?.['awslogs-stream-prefix'];
  return {
    group,
    region: lc.options?.['awslogs-region'] ?? defaultRegion,
    ...(prefix && container.name ? { stream: `${prefix}/${container.name}/${taskId}` } : {}),
  };
}

/** The log stream's events (or the group, when the stream name is unknown). */
export function logStreamUrl(l: AwslogsStream): string {
  const group = `${consoleBase(l.region)}/cloudwatch/home?region=${encodeURIComponent(l.region)}#logsV2:log-groups/log-group/${cwPath(l.group)}`;
  return l.stream ? `${group}/log-events/${cwPath(l.stream)}` : group;
}

/**
 * CloudTrail event history filtered to one user name (a task role's session name is the task id)
 * in a time window. Event history is per region and keeps 90 days.
 */
export function cloudTrailEventsUrl(
  region: string,
  q: { username: string; startMs: number; endMs: number },
): string {
  const params = new URLSearchParams({
    Username: q.username,
    StartTime: new Date(q.startMs).toISOString(),
    EndTime: new Date(q.endMs).toISOString(),
  });
  return `${consoleBase(region)}/cloudtrailv2/home?region=${encodeURIComponent(region)}#/events?${params.toString()}`;
}
