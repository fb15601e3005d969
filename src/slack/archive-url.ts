/**
 * A link to a message from its channel and ts: `https://slack.com/archives/<channel>/p<ts without
 * the dot>`, which Slack redirects to the message in the reader's workspace. Built locally instead
 * of calling chat.getPermalink once per card (no Web API call, no rate-limit tier, works for a
 * card another replica posted). Only for validated channel ids and ts values.
 */
export function archiveUrl(channel: string, ts: string): string | undefined {
  if (!/^[CGD][A-Z0-9]+$/.test(channel) || !/^\d+\.\d+$/.test(ts)) return undefined;
  return `https://slack.com/archives/${channel}/p${ts.replace('.', '')}`;
}
