/** Local Slack for tests and the sandbox: the Web API emulator and the signed-request client. */
export { LIMITS, type Surface, validateBlocks } from './block-kit-limits.js';
export {
  type RecordedCall,
  type SlackEmulator,
  type SlackEmulatorOptions,
  startSlackEmulator,
} from './emulator.js';
export { type FaultKind, type FaultSpec, Faults } from './faults.js';
export { ATTACHMENTS_LIMIT, checkMessage, checkView, MESSAGE_TEXT_LIMIT } from './message-rules.js';
export { ChannelPacer, maxInWindow, type PacingOptions } from './pacing.js';
export { RESPONSE_URL_MAX_USES, RESPONSE_URL_TTL_MS } from './response-url.js';
export { signedHeaders, slackSignature } from './signing.js';
export {
  buttonsOf,
  type ClickInput,
  type InteractionResponse,
  type SendOptions,
  type SlackResponse,
  SlackTestClient,
  type SlackTestClientOptions,
  type SlashCommandInput,
} from './test-client.js';
export { TRIGGER_TTL_MS } from './web-api-methods.js';
export type {
  SlackChannel,
  SlackUser,
  StoredEphemeral,
  StoredMessage,
  StoredView,
  Workspace,
} from './workspace.js';
