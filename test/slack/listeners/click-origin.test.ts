import { describe, expect, it } from 'vitest';
import { foreignTeam, wrongChannel } from '../../../src/slack/listeners/click-origin.js';

describe('click origin (pure)', () => {
  it('only the bot’s own workspace: the click’s team and the user’s team must both be it', () => {
    expect(foreignTeam('T0OWN', { teamId: 'T0OWN', userTeamId: 'T0OWN' })).toBeUndefined();
    expect(foreignTeam('T0OWN', { teamId: 'T0OWN' })).toBeUndefined();
    expect(foreignTeam('T0OWN', { teamId: 'T0OTHER', userTeamId: 'T0OTHER' })).toMatch(
      /another Slack workspace/,
    );
    // Slack Connect: a shared channel in our workspace, a user of another organisation.
    expect(foreignTeam('T0OWN', { teamId: 'T0OWN', userTeamId: 'T0OTHER' })).toMatch(
      /another Slack workspace/,
    );
    expect(foreignTeam('T0OWN', {})).toMatch(/another Slack workspace/);
    expect(foreignTeam(undefined, { teamId: 'T0OWN' })).toMatch(/cannot tell/);
  });

  it("only the card's own channel", () => {
    expect(wrongChannel('C0CARD', 'C0CARD')).toBeUndefined();
    expect(wrongChannel('C0CARD', 'C0ELSE')).toMatch(/another channel/);
    expect(wrongChannel(undefined, 'C0ELSE')).toBeUndefined();
  });
});
