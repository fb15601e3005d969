/** One line of help per subcommand: the usage, what it does and an example. Pure data. */
export interface Usage {
  name: string;
  usage: string;
  summary: string;
  example: string;
}

export const USAGE: readonly Usage[] = [
  { name: 'help', usage: 'help [subcommand]', summary: 'this list', example: '/ecs-guard help coverage' },
  {
    name: 'coverage',
    usage: 'coverage [cluster] [--account ID] [--region R]',
    summary: 'Runtime Monitoring coverage per ECS cluster; one cluster shows its issues and fixes',
    example: '/ecs-guard coverage prod-web --region eu-west-1',
  },
  {
    name: 'enable',
    usage: 'enable <cluster> [--account ID] [--region R] [--insights]',
    summary:
      'include a cluster in Runtime Monitoring (tag GuardDutyManaged=true) after a pre-flight and a Confirm',
    example: '/ecs-guard enable batch-jobs --insights',
  },
  {
    name: 'disable',
    usage: 'disable <cluster> [--account ID] [--region R]',
    summary: 'exclude a cluster (tag GuardDutyManaged=false) after a Confirm',
    example: '/ecs-guard disable legacy-ec2',
  },
  {
    name: 'findings',
    usage: 'findings [cluster] [--severity S] [--type PREFIX] [--since 24h] [--limit N] [--archived]',
    summary: 'recent findings, newest first, with links to their cards',
    example: '/ecs-guard findings prod-web --severity high --since 7d',
  },
  {
    name: 'audit',
    usage: 'audit [N] [--user @U] [--cluster C] | audit verify | audit evidence <request id>',
    summary: 'recent audit records, a check of the audit hash chain, or an evidence snapshot again',
    example: '/ecs-guard audit 20 --cluster prod-web',
  },
  {
    name: 'status',
    usage: 'status',
    summary: 'AWS identities, detectors, last poll, queue depths, pending approvals, version',
    example: '/ecs-guard status',
  },
  {
    name: 'sample',
    usage: 'sample [--types T1,T2] [--account ID] [--region R]',
    summary: 'approvers only: GuardDuty sample findings for ECS runtime types, to test the pipeline',
    example: '/ecs-guard sample --types Execution:Runtime/NewBinaryExecuted',
  },
  {
    name: 'suppressions',
    usage: 'suppressions',
    summary: 'active suppressions ("Suppress similar"): criteria, who, why, until when; Remove deletes one',
    example: '/ecs-guard suppressions',
  },
];

export const usageOf = (name: string): Usage | undefined => USAGE.find((u) => u.name === name);

/** `/ecs-guard <usage>` for one subcommand, in inline code. */
export const usageLine = (name: string): string => {
  const u = usageOf(name);
  return u ? `\`/ecs-guard ${u.usage}\`` : '`/ecs-guard help`';
};
