import {
  GetFindingsCommand,
  GuardDutyClient,
  ListDetectorsCommand,
  ListFindingsCommand,
} from '@aws-sdk/client-guardduty';
import { LogLevel, WebClient } from '@slack/web-api';
import { loadConfig } from '../src/config.js';
import { normaliseFinding } from '../src/findings/normalise.js';
import { routeFinding } from '../src/findings/route.js';
import { type BurstResult, callStats } from './burst-result.js';
import { REGION, startBenchEnv } from './env.js';
import { seedBurst } from './seed-findings.js';

/** Concurrency of the naive pipeline's fetchers and posters (a Lambda fan-out, roughly). */
const NAIVE_CONCURRENCY = 16;

/**
 * The baseline most GuardDuty→Slack integrations amount to: list the ids, one GetFindings per
 * finding, one chat.postMessage per finding, no pacing and no grouping, a plain WebClient with
 * its default retries (it sleeps Retry-After on a 429 and tries again). Listing, fetching and
 * posting stop at `capMs` (under real latency, one GetFindings per finding takes minutes at
 * 10,000) and it reports what it achieved.
 */
export async function runNaiveBurst(n: number, capMs: number): Promise<BurstResult> {
  const env = await startBenchEnv();
  try {
    seedBurst(env, n, `nvb${n}x`);
    const config = loadConfig(env.env);
    const gd = new GuardDutyClient({
      region: REGION,
      endpoint: env.aws.url,
      credentials: env.aws.credentials,
    });
    const slack = new WebClient(env.slack.botToken, {
      slackApiUrl: env.slack.apiUrl,
      logLevel: LogLevel.ERROR,
    });
    const t0 = Date.now();
    const deadline = t0 + capMs;
    let firstPost: number | undefined;
    let lastPost = 0;
    let posted = 0;
    let failed = 0;
    const ids: string[] = [];
    const toPost: { channel: string; text: string }[] = [];
    let listing = true;
    let fetching = true;

    const detectorId = (await gd.send(new ListDetectorsCommand({}))).DetectorIds?.[0];
    const lister = (async () => {
      let next: string | undefined;
      do {
        const page = await gd.send(
          new ListFindingsCommand({
            DetectorId: detectorId,
            FindingCriteria: { Criterion: { 'resource.resourceType': { Equals: ['ECSCluster'] } } },
            MaxResults: 50,
            NextToken: next,
          }),
        );
        ids.push(...(page.FindingIds ?? []));
        next = page.NextToken || undefined;
      } while (next && Date.now() < deadline);
      listing = false;
    })();
    const fetcher = async () => {
      while (Date.now() < deadline) {
        const id = ids.shift();
        if (!id) {
          if (!listing) return;
          await new Promise((r) => setTimeout(r, 5));
          continue;
        }
        const got = await gd.send(new GetFindingsCommand({ DetectorId: detectorId, FindingIds: [id] }));
        for (const raw of got.Findings ?? []) {
          const f = normaliseFinding(raw);
          const channel = routeFinding(f, config);
          if (channel)
            toPost.push({ channel, text: `${f.severityLabel} ${f.type} in ${f.clusterName}: ${f.id}` });
        }
      }
    };
    const poster = async () => {
      while (Date.now() < deadline) {
        const item = toPost.shift();
        if (!item) {
          if (!fetching) return;
          await new Promise((r) => setTimeout(r, 5));
          continue;
        }
        try {
          await slack.chat.postMessage({ channel: item.channel, text: item.text });
          posted++;
          firstPost ??= Date.now();
          lastPost = Date.now();
        } catch {
          failed++;
        }
      }
    };
    const fetchers = Promise.all([lister, ...Array.from({ length: NAIVE_CONCURRENCY }, fetcher)]).finally(
      () => {
        fetching = false;
      },
    );
    const posters = Promise.all(Array.from({ length: NAIVE_CONCURRENCY }, poster));
    // Posters sleeping in a Retry-After are not waited for past the cap.
    await Promise.race([posters, new Promise((r) => setTimeout(r, capMs + 50))]);
    await fetchers;
    const elapsedMs = Date.now() - t0;
    const stats = callStats(env, n);
    const complete = posted === n;
    const fetched = stats.awsCalls.GetFindings ?? 0;
    const notes = [
      fetched < n
        ? `capped at ${capMs / 1000} s: ${fetched} of ${n} GetFindings made (1 per finding; all would be ${1 + Math.ceil(n / 50) + n} AWS calls)`
        : `posting capped at ${capMs / 1000} s; fetching (1 GetFindings per finding) finished`,
    ];
    if (!complete && posted) {
      const rate = posted / ((lastPost - t0) / 1000);
      notes.push(`${posted} of ${n} posted; at that rate all would take ~${Math.round(n / rate)} s`);
    }
    if (failed) notes.push(`${failed} posts failed after the WebClient's retries`);
    notes.push('naive pipeline runs in the bench process (no separate RSS)');
    return {
      pipeline: 'naive',
      findings: n,
      accounted: posted,
      complete,
      timeToFirstCardMs: firstPost ? firstPost - t0 : null,
      timeToAllAccountedMs: complete ? lastPost - t0 : null,
      elapsedMs,
      ...stats,
      peakRssMb: null,
      notes,
    };
  } finally {
    await env.close();
  }
}
