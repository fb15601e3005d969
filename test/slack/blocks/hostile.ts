import type { Finding } from '../../../src/findings/model.js';
import { normaliseFinding } from '../../../src/findings/normalise.js';
import { fixture, WIRE } from '../../findings/fixtures.js';
import { collectTexts } from '../../helpers/block-kit.js';

export const EVIL =
  '<!channel> <@U0EVIL> <https://evil.example|click> @here `x` ```y``` *bold* _it_ ~s~ & שלום مرحبا 👩‍👩‍👧‍👦 \u202Egnp.exe';

/** A finding whose every attacker-influenced string is hostile and oversized. */
export function hostileFinding(): Finding {
  // biome-ignore lint/suspicious/noExplicitAny: the test rewrites raw fixture JSON freely
  const raw = structuredClone(fixture(WIRE)) as Record<string, any>;
  raw.title = EVIL.repeat(20);
  raw.description = `${EVIL} https://evil.example/a `.repeat(300);
  raw.type = `Execution:Runtime/${EVIL}`.repeat(5);
  const cluster = raw.resource.ecsClusterDetails;
  cluster.name = EVIL;
  cluster.taskDetails.group = `service:${EVIL.repeat(50)}`;
  cluster.taskDetails.startedBy = EVIL;
  cluster.taskDetails.definitionArn = `arn:aws:ecs:us-east-1:1:task-definition/${EVIL}:7`;
  cluster.taskDetails.containers = [
    {
      name: 'aws-guardduty-agent-abc',
      image: '593207742271.dkr.ecr.us-east-1.amazonaws.com/aws-guardduty-agent-fargate:v1.5.0',
    },
    { name: EVIL.repeat(30), image: `${EVIL.repeat(30)}@sha256:${'0'.repeat(64)}` },
  ];
  const process = raw.service.runtimeDetails.process;
  process.name = EVIL;
  process.executablePath = `/tmp/${EVIL}`.repeat(40);
  process.commandLine = `sh -c '${EVIL}' `.repeat(10_000).slice(0, 10_000);
  process.user = EVIL;
  process.lineage = Array.from({ length: 50 }, (_, i) => ({ name: `${EVIL}${i}`, pid: i }));
  raw.service.runtimeDetails.context = {
    filePath: `/etc/${EVIL}`,
    relatedFilePaths: Array.from({ length: 25 }, (_, i) => `/var/${EVIL}/${i}`),
    modifyingProcess: { name: EVIL, pid: 7 },
    toolName: EVIL,
    ...Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}<!here>`, EVIL])),
  };
  raw.service.action = {
    dnsRequestAction: { domain: `${EVIL}.evil.example` },
    networkConnectionAction: { remoteIpDetails: { ipAddressV4: EVIL } },
  };
  const f = normaliseFinding(raw);
  // 500 domains (a DNS finding aggregated over many lookups).
  f.runtime.domains = Array.from({ length: 500 }, (_, i) => `c2-${i}.<https://evil.example|x>.example`);
  return f;
}

/**
 * Strips the sequences ecs-guard itself writes (dates, links to our console, mentions of the given
 * trusted ids) and returns any `<` control sequence left: it can only have come from finding text.
 */
export function untrustedSequences(blocks: unknown[], text: string, trustedIds: string[] = []): string[] {
  const all = [...collectTexts(blocks), text].join('\n');
  let rest = all.replace(/<!date\^\d+\^\{date_short_pretty\} \{time_secs\}\|[0-9TZ:.-]+>/g, '');
  rest = rest.replace(/<https:\/\/console\.aws\.amazon\.com\/[^\s|<>]+\|Open [A-Za-z ]+>/g, '');
  for (const id of trustedIds)
    rest = rest.split(id.startsWith('S') ? `<!subteam^${id}>` : `<@${id}>`).join('');
  return rest.match(/<[^\n]{0,20}/g) ?? [];
}
