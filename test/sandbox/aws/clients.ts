import { ECSClient } from '@aws-sdk/client-ecs';
import { GuardDutyClient } from '@aws-sdk/client-guardduty';
import { STSClient } from '@aws-sdk/client-sts';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import type { AwsEmulator } from '../../../sandbox/aws/index.js';

export interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Real SDK clients pointed at the emulator, with 3 attempts and a 5 ms backoff. */
export function sdkClients(emu: AwsEmulator, region = 'us-east-1', credentials: Creds = emu.credentials) {
  const cfg = {
    endpoint: emu.url,
    region,
    credentials,
    maxAttempts: 3,
    retryStrategy: new ConfiguredRetryStrategy(3, () => 5),
  };
  const clients = { gd: new GuardDutyClient(cfg), ecs: new ECSClient(cfg), sts: new STSClient(cfg) };
  return {
    ...clients,
    destroy: () => {
      for (const c of Object.values(clients)) c.destroy();
    },
  };
}
