/** `/ecs-guard sample [--types T1,T2] [--account ID] [--region R]` (approvers only) */
import { CreateSampleFindingsCommand } from '@aws-sdk/client-guardduty';
import { detectorIdOf } from '../src/aws/coverage.js';
import { EcsGuardError, ErrorCode } from '../src/errors.js';
import { isAllowed } from '../src/requests/authorise.js';
import { section } from '../src/slack/blocks/parts.js';
import { code } from '../src/slack/mrkdwn.js';
import { accountIdArg, regionArg } from './args.js';
import { mayRequest, memberAccountArg } from './authorise.js';
import { awsCall } from './aws-call.js';
import type { Subcommand } from './types.js';

/** ECS runtime types that exercise the card: process, network/DNS and container-escape evidence. */
export const DEFAULT_SAMPLE_TYPES = [
  'Execution:Runtime/NewBinaryExecuted',
  'Execution:Runtime/ReverseShell',
  'CryptoCurrency:Runtime/BitcoinTool.B!DNS',
  'PrivilegeEscalation:Runtime/DockerSocketAccessed',
  'Backdoor:Runtime/C&CActivity.B!DNS',
];

/** `T1,T2` → types; each must be a Runtime Monitoring type (`Tactic:Runtime/Name`). */
export function sampleTypesArg(v: string | undefined): string[] {
  if (v === undefined) return DEFAULT_SAMPLE_TYPES;
  const types = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (types.length === 0 || types.length > 10)
    throw new EcsGuardError(ErrorCode.InvalidInput, '--types needs 1 to 10 comma-separated finding types');
  for (const t of types) {
    if (!/^[A-Za-z]+:Runtime\/[A-Za-z0-9.!&_-]+$/.test(t))
      throw new EcsGuardError(
        ErrorCode.InvalidInput,
        `"${t}" is not an ECS runtime finding type (expected e.g. Execution:Runtime/NewBinaryExecuted)`,
      );
  }
  return types;
}

export const sampleCommand: Subcommand = {
  name: 'sample',
  spec: { flags: { types: 'string', account: 'string', region: 'string' }, positional: [] },
  async run({ ctx, args, userId, reply }) {
    const types = sampleTypesArg(args.flags.types as string | undefined);
    const region = regionArg(args.flags.region as string | undefined) ?? ctx.config.homeRegion;
    const typedAccount = accountIdArg(args.flags.account as string | undefined);
    // Approvers only, whatever the requesters list says (documented; the policy cannot widen it).
    const approver =
      (await mayRequest(ctx, 'sample', userId)) &&
      (await isAllowed(ctx, userId, ctx.config.actions.sample.approvers));
    if (!approver) {
      const accountId = typedAccount;
      await ctx.audit.append({
        actor: { id: userId },
        action: 'sample',
        event: 'refused',
        target: { region, ...(accountId ? { accountId } : {}) },
        outcome: 'denied',
        reason: 'not an approver',
      });
      throw new EcsGuardError(
        ErrorCode.NotAuthorized,
        'only approvers can create sample findings (policy: actions.sample)',
      );
    }
    const accountId = await memberAccountArg(ctx, typedAccount);
    const where = `${accountId ? `account ${accountId}` : 'home account'}, ${region}`;
    const gd = await ctx.aws.guardDuty({
      region,
      ...(accountId ? { accountId } : {}),
      sourceIdentity: userId,
      purpose: 'sample',
    });
    const detectorId = await awsCall('ListDetectors', where, () => detectorIdOf(gd, where));
    const out = await awsCall('CreateSampleFindings', where, () =>
      gd.send(new CreateSampleFindingsCommand({ DetectorId: detectorId, FindingTypes: types })),
    );
    await ctx.audit.append({
      actor: { id: userId },
      action: 'sample',
      event: 'executed',
      target: { region, ...(accountId ? { accountId } : {}) },
      outcome: 'ok',
      ...(out.$metadata.requestId ? { awsRequestId: out.$metadata.requestId } : {}),
      detail: { types },
    });
    const text = `Asked GuardDuty for ${types.length} sample finding(s) in ${where}. They arrive with the next poll (or EventBridge push) as cards marked sample.`;
    await reply({
      text,
      blocks: [section(`:test_tube: ${text}\n${types.map((t) => `• ${code(t, 120)}`).join('\n')}`, 'sample')],
    });
  },
};
