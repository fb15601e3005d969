/** `/ecs-guard disable <cluster> [--account ID] [--region R]` */
import { planCoverageChange } from './coverage-change.js';
import type { Subcommand } from './types.js';

export const disableCommand: Subcommand = {
  name: 'disable',
  spec: { flags: { account: 'string', region: 'string' }, positional: ['cluster'], required: 1 },
  run: (input) => planCoverageChange('disable', input),
};
