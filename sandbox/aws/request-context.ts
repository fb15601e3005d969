import type { AwsState, Principal } from './state.js';

/** The authenticated caller of one request, with the state it acts on. */
export interface RequestContext {
  state: AwsState;
  principal: Principal;
  accountId: string;
  region: string;
}
