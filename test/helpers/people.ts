// The Slack people and channels of every test context (harness.ts for the emulators, click-context.ts
// for handlers called directly), so the two describe one workspace.
/** Slack people every test context has: a requester, two approvers (one through a user group), an outsider. */
export const PEOPLE = {
  requester: 'UREQUESTER',
  approver: 'UAPPROVER1',
  groupApprover: 'UAPPROVER2',
  outsider: 'UOUTSIDER1',
  approverGroup: 'SAPPROVERS',
  alerts: 'CALERTS001',
  prod: 'CPRODSEC01',
};
