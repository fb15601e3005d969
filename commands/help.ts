/** `/ecs-guard help [subcommand]` */
import { EcsGuardError, ErrorCode } from '../src/errors.js';
import { context, header, section } from '../src/slack/blocks/parts.js';
import type { Reply, Subcommand } from './types.js';
import { USAGE, usageOf } from './usage.js';

export function buildHelp(only?: string): Reply {
  const list = only ? USAGE.filter((u) => u.name === only) : USAGE;
  const lines = list.map((u) => `*\`/ecs-guard ${u.usage}\`*\n${u.summary}\n_e.g._ \`${u.example}\``);
  return {
    text: only
      ? `/ecs-guard ${list[0]?.usage ?? only}`
      : `/ecs-guard subcommands: ${USAGE.map((u) => u.name).join(', ')}`,
    blocks: [
      header(only ? `/ecs-guard ${only}` : '/ecs-guard', 'help-header'),
      section(lines.join('\n\n'), 'help-list'),
      context(
        [
          'Answers are only visible to you; add `--share` to post one in the channel. Quote arguments with spaces.',
        ],
        'help-foot',
      ),
    ],
  };
}

export const helpCommand: Subcommand = {
  name: 'help',
  spec: { flags: {}, positional: ['subcommand'] },
  async run({ args, reply }) {
    const only = args.positional[0]?.toLowerCase();
    if (only && !usageOf(only)) throw new EcsGuardError(ErrorCode.InvalidInput, `no subcommand "${only}"`);
    await reply(buildHelp(only));
  },
};
