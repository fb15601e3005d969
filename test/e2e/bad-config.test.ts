import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// The built bot with a broken environment: it must stop before doing anything, with exit code 78
// (EX_CONFIG) and one message that names every bad variable — and echoes none of the values,
// since most of them are secrets. Needs `npx tsc` first.
function runBot(
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/src/main.js'], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bot did not exit on a bad config: ${stdout}${stderr}`));
    }, 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('bad configuration (built process)', () => {
  it('exits 78 with one message naming each bad variable and no value echoed', async () => {
    const bad = {
      SLACK_BOT_TOKEN: 'xoxp-USERtokenNOTbot-8812',
      SLACK_SIGNING_SECRET: 'Sg7x',
      SLACK_APP_TOKEN: 'xoxb-APPtokenWRONGprefix-1177',
      ECS_GUARD_INGEST_TOKEN: 'INGshort-42',
      ECS_GUARD_EXTERNAL_ID: 'EXTid with spaces!',
      ECS_GUARD_MEMBER_ROLE: 'arn:aws:iam::123:role/ROLEbad',
      REDIS_URL: 'http://default:REDISpassword99@cache:6379',
      PORT: '99999',
      ECS_GUARD_POLL_SECONDS: 'soon',
    };
    const { code, stdout, stderr } = await runBot({ ...bad, AWS_REGION: 'us-east-1' });
    expect(code).toBe(78);
    const out = stdout + stderr;
    // One message, not a stack trace, not a log line per problem.
    expect(out.match(/cannot start/g)).toHaveLength(1);
    expect(out).not.toMatch(/\n\s+at /);
    for (const name of [...Object.keys(bad), 'SLACK_ALERT_CHANNEL']) {
      expect(out, `names ${name}`).toMatch(new RegExp(`^\\s*- ${name}: `, 'm'));
    }
    for (const [name, value] of Object.entries(bad)) {
      expect(out.includes(value), `echoes the value of ${name}`).toBe(false);
    }
    expect(out).not.toContain('REDISpassword99');
    expect(out).not.toContain('USERtokenNOTbot');
  });

  it('names what is missing when nothing is set', async () => {
    const { code, stdout, stderr } = await runBot({});
    expect(code).toBe(78);
    const out = stdout + stderr;
    for (const name of ['SLACK_BOT_TOKEN', 'SLACK_ALERT_CHANNEL'])
      expect(out).toMatch(new RegExp(`- ${name}: `));
  });

  it('a policy file that is missing is named with its path', async () => {
    const { code, stdout, stderr } = await runBot({
      SLACK_BOT_TOKEN: 'xoxb-1-2-okTOKENvalue',
      SLACK_SIGNING_SECRET: 'okSIGNINGsecret123',
      SLACK_ALERT_CHANNEL: 'CALERTS001',
      AWS_REGION: 'us-east-1',
      ECS_GUARD_CONFIG: '/nonexistent/ecs-guard-policy.yml',
    });
    expect(code).toBe(78);
    const out = stdout + stderr;
    expect(out).toContain('ECS_GUARD_CONFIG: cannot read /nonexistent/ecs-guard-policy.yml: file not found');
    expect(out).not.toContain('okTOKENvalue');
    expect(out).not.toContain('okSIGNINGsecret123');
  });
});
