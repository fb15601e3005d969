/** Packing many lines into few sections while staying inside Block Kit limits. */
import { context, section } from './parts.js';

/** Per-message budgets with margin under Slack's limits (50 blocks, ~12k characters of text). */
export const BUDGET = { blocks: 45, text: 10_000, section: 2_900 };

/**
 * Packs lines into sections of at most `BUDGET.section` characters, using at most `maxBlocks`
 * sections and `maxText` characters; lines that do not fit become "…and N more" (`moreHint`
 * appended). Returns the blocks and how many lines were shown.
 */
export function packLines(
  lines: string[],
  idPrefix: string,
  opts: { maxBlocks: number; maxText: number; moreHint?: string },
): { blocks: unknown[]; shown: number } {
  const blocks: unknown[] = [];
  let cur: string[] = [];
  let curLen = 0;
  let used = 0;
  let shown = 0;
  const tailReserve = 200;
  const flush = () => {
    if (cur.length) blocks.push(section(cur.join('\n'), `${idPrefix}-${blocks.length}`));
    cur = [];
    curLen = 0;
  };
  for (const raw of lines) {
    const line = raw.length > BUDGET.section ? `${raw.slice(0, BUDGET.section - 1)}…` : raw;
    const rest = lines.length - shown - 1;
    const reserve = rest > 0 ? tailReserve : 0;
    if (used + line.length + 1 + reserve > opts.maxText) break;
    if (curLen + line.length + 1 > BUDGET.section) {
      if (blocks.length + 1 >= opts.maxBlocks) break;
      flush();
    }
    cur.push(line);
    curLen += line.length + 1;
    used += line.length + 1;
    shown++;
  }
  flush();
  const more = lines.length - shown;
  if (more > 0) {
    blocks.push(
      context([`…and ${more} more${opts.moreHint ? ` ${opts.moreHint}` : ''}`], `${idPrefix}-more`),
    );
  }
  return { blocks, shown };
}
