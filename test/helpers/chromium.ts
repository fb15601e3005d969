import { existsSync } from 'node:fs';

export interface ChromiumChoice {
  executablePath: string;
  /** Where it came from, for messages: `CHROMIUM_PATH`, a system path, or the npm package. */
  source: string;
  /** Extra launch arguments that binary needs. */
  args: string[];
}

const PACKAGED_CHROMIUM = '@sparticuz/chromium';

/** Where distributions and vendors put Chromium or Chrome. */
export const SYSTEM_CHROMIUM_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

/**
 * The Chromium for the browser tests: `CHROMIUM_PATH` when set (and it must exist), else the
 * first system Chromium, else the headless Chromium that the `@sparticuz/chromium` dev
 * dependency ships inside its npm package (brotli-compressed; unpacked to the temp dir on first
 * use, nothing downloaded), so `npm ci && npm test` needs no browser installed.
 */
export async function findChromium(
  env: NodeJS.ProcessEnv = process.env,
  systemPaths = SYSTEM_CHROMIUM_PATHS,
): Promise<ChromiumChoice> {
  if (env.CHROMIUM_PATH) {
    if (!existsSync(env.CHROMIUM_PATH))
      throw new Error(`CHROMIUM_PATH=${env.CHROMIUM_PATH} does not exist; unset it to use another Chromium`);
    return { executablePath: env.CHROMIUM_PATH, source: 'CHROMIUM_PATH', args: [] };
  }
  const system = systemPaths.find((p) => existsSync(p));
  if (system) return { executablePath: system, source: system, args: [] };
  // A variable specifier: a worktree whose node_modules predates the dev dependency still type-checks.
  const { default: packaged } = (await import(PACKAGED_CHROMIUM)) as {
    default: { executablePath(): Promise<string> };
  };
  // Its build is headless-shell for serverless sandboxes: one process, no zygote, software GL.
  return {
    executablePath: await packaged.executablePath(),
    source: '@sparticuz/chromium (npm dev dependency)',
    args: ['--no-zygote', '--single-process', '--use-angle=swiftshader', '--in-process-gpu'],
  };
}
