/** `/ecs-guard enable <cluster> [--account ID] [--region R] [--insights]` */
import { planCoverageChange } from './coverage-change.js';
import type { Subcommand } from './types.js';

export const enableCommand: Subcommand = {
  name: 'enable',
  spec: {
    flags: { account: 'string', region: 'string', insights: 'boolean' },
    positional: ['cluster'],
    required: 1,
  },
  run: (input) => planCoverageChange('enable', input),
};
