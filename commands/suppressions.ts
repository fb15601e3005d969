/** `/ecs-guard suppressions`: the active suppressions (GuardDuty filters ecs-guard made), each with Remove. */
import { activeSuppressions } from '../src/suppressions/store.js';
import { buildSuppressionList } from './blocks/suppressions.js';
import type { Subcommand } from './types.js';

export const suppressionsCommand: Subcommand = {
  name: 'suppressions',
  views: true,
  spec: { flags: {}, positional: [] },
  async run({ ctx, reply }) {
    await reply(buildSuppressionList(await activeSuppressions(ctx), ctx.clock()));
  },
};
