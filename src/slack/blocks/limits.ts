/**
 * Block Kit limits for messages (shared/reference/slack-and-bullmq.md §1). Builders cut every
 * text to these; `test/helpers/block-kit.ts` asserts them.
 */
export const LIMITS = {
  blocks: 50,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  /** Each context element is a text object (≤3000). */
  contextText: 3000,
  actionsElements: 25,
  blockId: 255,
  actionId: 255,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  /** Fallback `text` of chat.postMessage: keep well under Slack's 4,000 advice. */
  fallbackText: 3000,
  /** Table block: one per message, ≤100 rows (the header row included), ≤20 cells a row. */
  tableRows: 100,
  tableCells: 20,
  /**
   * Undocumented cumulative text limit (`msg_blocks_too_long` at ~12k, bolt-js#2509).
   * Cards stay under this budget with margin.
   */
  totalText: 11_000,
} as const;
