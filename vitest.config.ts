import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    // Files share one Redis and spawn real processes; running them one at a time keeps
    // two cores from being oversubscribed. Each file still uses its own key prefix.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Redis (REDIS_URL, or a private redis-server) and a local three-master Redis Cluster.
    globalSetup: ['./test/global-setup.ts'],
    setupFiles: ['./test/setup.ts'],
    // The SDK's Node 20 end-of-support notice is known (the Docker image runs Node 22); keep test output readable.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
