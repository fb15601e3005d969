/**
 * The AWS accounts whose ECR repository `aws-guardduty-agent-fargate` holds the GuardDuty agent
 * sidecar, one per region (GuardDuty user guide, "ECR Repository for GuardDuty agent on AWS
 * Fargate"). A region added later needs its account here.
 */
const AGENT_IMAGE_ACCOUNTS = new Set([
  '000014521398',
  '005257825471',
  '054037130133',
  '156041399949',
  '174946120834',
  '197869348890',
  '251357961535',
  '251508486986',
  '258348409381',
  '259886477082',
  '266869475730',
  '273192626886',
  '307168627858',
  '311141559934',
  '323658145986',
  '339712888787',
  '354763396469',
  '510637619217',
  '529164026651',
  '533107202818',
  '536382113932',
  '591436053604',
  '593207742271',
  '665651866788',
  '684579721401',
  '694911143906',
  '733349766148',
  '758426053663',
  '870907303882',
  '892757235363',
  '914738172881',
  '919611009337',
  '950823858135',
]);
const AGENT_IMAGE =
  /^(\d{12})\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\/aws-guardduty-agent-fargate(?::[\w.-]+)?(?:@sha256:[a-f0-9]{64})?$/i;

/**
 * The GuardDuty runtime agent sidecar injected into Fargate tasks (guardduty.md §8; aws-cdk#32877),
 * known by its AWS-owned image: a container name (or an image in anyone's own registry) is what a
 * task definition chooses, so it proves nothing.
 */
export function isGuardDutyAgentContainer(c: { image?: string }): boolean {
  const account = AGENT_IMAGE.exec(c.image ?? '')?.[1];
  return account !== undefined && AGENT_IMAGE_ACCOUNTS.has(account);
}
