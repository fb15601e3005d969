/**
 * Where a click came from, checked against where the button was put. Pure: each returns why a
 * click is refused, or undefined. A signed click proves Slack sent it, not that it came from the
 * bot's own workspace (a Slack Connect channel shares cards with other organisations) nor from
 * the channel the card is in (a button's value can be copied into another message).
 */

/** The team fields of a click: the workspace it was made in, and the clicking user's own team. */
export interface ClickTeams {
  teamId?: string;
  userTeamId?: string;
}

/**
 * Refuses a click unless both its team and its user's team are the bot's own (from auth.test).
 * Without the bot's team id nothing can be checked, so nothing is allowed (fail closed).
 */
export function foreignTeam(botTeamId: string | undefined, click: ClickTeams): string | undefined {
  if (!botTeamId) return 'ecs-guard cannot tell which Slack workspace it belongs to (auth.test); try again';
  const teams = [click.teamId, click.userTeamId].filter((t): t is string => Boolean(t));
  if (teams.length === 0 || teams.some((t) => t !== botTeamId))
    return 'this click came from another Slack workspace; only members of the workspace ecs-guard is installed in may act';
  return undefined;
}

/** Refuses a click on a card (or request) made in a channel other than the card's. */
export function wrongChannel(cardChannel: string | undefined, clickChannel: string): string | undefined {
  if (cardChannel === undefined || cardChannel === clickChannel) return undefined;
  return "this button belongs to a card in another channel; use the card's own message";
}
