import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findChromium } from './chromium.js';

describe('findChromium', () => {
  it('takes CHROMIUM_PATH first, and refuses one that does not exist', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chromium-'));
    const fake = join(dir, 'chrome');
    writeFileSync(fake, '');
    expect((await findChromium({ CHROMIUM_PATH: fake }, [])).executablePath).toBe(fake);
    await expect(findChromium({ CHROMIUM_PATH: join(dir, 'missing') }, [])).rejects.toThrow(/CHROMIUM_PATH=/);
  });

  it('then the first system path that exists', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chromium-'));
    const present = join(dir, 'chromium');
    writeFileSync(present, '');
    const found = await findChromium({}, [join(dir, 'nope'), present]);
    expect(found).toMatchObject({ executablePath: present, source: present });
  });

  it('else the Chromium the npm dev dependency ships, unpacked locally', async () => {
    const found = await findChromium({}, []);
    expect(found.source).toContain('@sparticuz/chromium');
    expect(existsSync(found.executablePath)).toBe(true);
  }, 60_000);
});
