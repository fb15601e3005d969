#!/usr/bin/env node
// Empties a build output directory, so a build never ships files a previous build left behind.
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';

for (const dir of process.argv.slice(2)) {
  if (!['dist', 'build'].includes(dir)) throw new Error(`clean-dir: refusing to remove ${dir}`);
  rmSync(resolve(dir), { recursive: true, force: true });
}
