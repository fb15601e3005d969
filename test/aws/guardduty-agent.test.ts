import { describe, expect, it } from 'vitest';
import { isGuardDutyAgentContainer } from '../../src/aws/guardduty-agent.js';

describe('isGuardDutyAgentContainer', () => {
  it('knows the sidecar by its AWS-owned image, tag or digest, whatever the container is called', () => {
    const repo = '323658145986.dkr.ecr.eu-central-1.amazonaws.com/aws-guardduty-agent-fargate';
    expect(isGuardDutyAgentContainer({ image: `${repo}:v1.5.0-Fg_arm64` })).toBe(true);
    expect(isGuardDutyAgentContainer({ image: `${repo}@sha256:${'a'.repeat(64)}` })).toBe(true);
    expect(isGuardDutyAgentContainer({ name: 'sidecar', image: repo } as { image: string })).toBe(true);
  });

  it('a name, another account or another repository is not the agent', () => {
    expect(isGuardDutyAgentContainer({ name: 'aws-guardduty-agent-x1' } as { image?: string })).toBe(false);
    expect(
      isGuardDutyAgentContainer({
        image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/aws-guardduty-agent-fargate:v1',
      }),
    ).toBe(false);
    expect(isGuardDutyAgentContainer({ image: 'docker.io/evil/aws-guardduty-agent-fargate:v1' })).toBe(false);
    expect(
      isGuardDutyAgentContainer({
        image: '593207742271.dkr.ecr.us-east-1.amazonaws.com/aws-guardduty-agent-fargate-copy:v1',
      }),
    ).toBe(false);
  });
});
