#!/usr/bin/env node
// `npm run setup`: everything a fresh clone needs before `npm start`, safe to run again.
//  1. .env holding a freshly generated AUTH_SECRET (only if .env does not exist yet). Only that: every other
//     variable keeps the default in the code (listed in .env.example), so a newer version's defaults take effect;
//     add to .env only what you change;
//  2. the model files (scripts/setup-models.mjs), downloaded and checksummed.
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const envPath = join(root, '.env');
if (!existsSync(envPath) && !process.env.AUTH_SECRET) {
  const header = '# Settings of this installation. Every variable and its default is listed in .env.example;\n# add here only what you change.\n';
  writeFileSync(envPath, `${header}AUTH_SECRET=${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
  console.log('[setup] wrote .env with a new AUTH_SECRET');
}
const res = spawnSync(process.execPath, [join(root, 'scripts/setup-models.mjs'), ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(res.status ?? 1);
