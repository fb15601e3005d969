import { readFileSync } from 'node:fs';

const dir = new URL('./fixtures/', import.meta.url);

/** A fixture as parsed JSON. */
export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(name, dir), 'utf8'));
}

/**
 * The SDK-object fixture marks Dates as `"Date(ISO)"` strings; revive them into real Dates so the
 * object is what `@aws-sdk/client-guardduty` actually returns.
 */
export function sdkFixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(name, dir), 'utf8'), (_k, v) => {
    const m = typeof v === 'string' ? /^Date\((.+)\)$/.exec(v) : null;
    return m ? new Date(m[1] as string) : v;
  });
}

export const WIRE = 'SYNTHETIC-ecs-fargate-runtime-newbinaryexecuted.finding.json';
export const SDK = 'SYNTHETIC-ecs-fargate-runtime-newbinaryexecuted.sdk-v3-object.json';
export const EVENTBRIDGE = 'SYNTHETIC-ecs-fargate-runtime-newbinaryexecuted.eventbridge.json';

/** Every finding-shaped fixture (wire JSON); those without id/region are tested separately. */
export const WIRE_FIXTURES = [
  WIRE,
  'sekoia-event_ecscluster.finding.json',
  'sekoia-event_container.finding.json',
  'sekoia-event_ekscluster.finding.json',
  'sekoia-event_instance_network.finding.json',
  'elastic-container-runtime-dockersocketaccessed.finding.json',
  'elastic-eks-audit-sample-finding.finding.json',
  'panther-attack-sequence-iam.normalized.json',
];
