// Every test that touches Redis uses the real server at REDIS_URL. Fail loudly when it is missing
// rather than letting a queue test hang.
import { Redis } from 'ioredis';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
try {
  await probe.connect();
  await probe.ping();
} catch (err) {
  throw new Error(`Redis is not reachable at ${url} (${(err as Error).message}); start redis-server first`);
} finally {
  probe.disconnect();
}
