/** Local AWS emulator (GuardDuty restJson1, ECS awsJson1_1, STS and IAM awsQuery) for tests and the sandbox. */
export {
  addAttackSequence,
  ECS_SEQUENCE_TYPE,
  type MakeSequenceOptions,
  makeAttackSequence,
} from './attack-sequence.js';
export { AwsServiceError } from './aws-error.js';
export type { CallFilter, CallRecord } from './call-log.js';
export { type AwsEmulator, type AwsEmulatorOptions, startAwsEmulator } from './emulator.js';
export type { ActiveFault, FaultKind, FaultSpec, Faults, ServiceName } from './faults.js';
export { ROLE_INLINE_POLICY_LIMIT, rfc3986 } from './iam.js';
export { detectorIdFor } from './ids.js';
export { RUNTIME_FINDING_TYPES, type RuntimeTypeInfo, runtimeTypeInfo } from './runtime-types.js';
export { flushScheduler, reconcileService } from './scheduler.js';
export * from './seed.js';
export type { AssumedSession, AwsState, Principal, RegionStore, RoleRecord } from './state.js';
export type * from './wire-types.js';
