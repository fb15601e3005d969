import type { FetchFunction } from '@slack/web-api';
import type { Metrics } from '../metrics.js';

/**
 * The `fetch` every Slack Web API client of ecs-guard sends its HTTP requests through, counting
 * each request and each 429 by method. It is the one place every call really passes:
 * `@slack/web-api` binds `chat.postMessage` and the other methods to `apiCall` when a client is
 * built, so wrapping `apiCall` afterwards misses them, and Bolt builds its own clients per token.
 * Retries (after a 5xx or a 429) are counted again: each is a request Slack sees.
 */
export function countedFetch(
  metrics: Pick<Metrics, 'slackCalls' | 'slackRateLimited'>,
  fetchFn: FetchFunction = globalThis.fetch as FetchFunction,
): FetchFunction {
  return async (url, init) => {
    const method = slackMethod(url);
    metrics.slackCalls.inc({ method });
    const response = await fetchFn(url, init);
    if (response.status === 429) metrics.slackRateLimited.inc({ method });
    return response;
  };
}

/** `https://slack.com/api/chat.postMessage` → `chat.postMessage`; anything else → `other`. */
export function slackMethod(url: string | URL): string {
  const path = (typeof url === 'string' ? safeUrl(url)?.pathname : url.pathname) ?? '';
  const last = path.slice(path.lastIndexOf('/') + 1);
  // Web API method names are dotted words; anything else (an upload URL) is one label, so a
  // strange URL cannot create unbounded label values.
  return /^[a-zA-Z]+(\.[a-zA-Z]+)+$/.test(last) ? last : 'other';
}

function safeUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}
