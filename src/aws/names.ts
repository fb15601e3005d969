/**
 * The shapes of AWS account ids and region names. Values from a finding or a pushed event are
 * checked against these before they are stored, shown or used to pick a client.
 */
export const ACCOUNT_ID = /^\d{12}$/;
/** `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`, `us-isob-east-1`, `ap-southeast-5`. */
export const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

export const isAccountId = (v: unknown): v is string => typeof v === 'string' && ACCOUNT_ID.test(v);
export const isRegionName = (v: unknown): v is string => typeof v === 'string' && REGION_NAME.test(v);
/** GuardDuty finding ids are 32 hex characters; anything outside this never reaches a key or an API call. */
export const FINDING_ID = /^[A-Za-z0-9]{1,128}$/;
