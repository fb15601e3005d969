/** Helpers shared by the command answers: the usage/error replies and titled answers. */
import { context, header, section } from '../../src/slack/blocks/parts.js';
import type { Reply } from '../types.js';
import { usageLine } from '../usage.js';

export function usageErrorReply(subcommand: string, problem: string): Reply {
  return {
    // The fallback text notifies: what the user typed must not form a mention there either.
    text: `${escapeProblem(problem)}. Usage: ${usageLine(subcommand)}`,
    blocks: [
      section(`:warning: ${escapeProblem(problem)}`, 'usage-problem'),
      context([`Usage: ${usageLine(subcommand)} · \`/ecs-guard help\` lists every subcommand`], 'usage-line'),
    ],
  };
}

export function errorReply(title: string, message: string): Reply {
  return {
    text: `${escapeProblem(title)}: ${escapeProblem(message)}`,
    blocks: [section(`:x: *${escapeProblem(title)}*\n${escapeProblem(message)}`, 'error')],
  };
}

export function titled(title: string, body: unknown[], idPrefix = 'title'): unknown[] {
  return [header(title, `${idPrefix}-header`), ...body];
}

/** Problems may quote what the user typed: escape it for mrkdwn without mangling backticks. */
function escapeProblem(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
