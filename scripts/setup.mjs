#!/usr/bin/env node
// `npm run setup`: everything a fresh clone needs before `npm start`, safe to run again.
//  1. .env from .env.example with a freshly generated AUTH_SECRET (only if .env does not exist yet);
//  2. the model files (scripts/setup-models.mjs), downloaded and checksummed.
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const envPath = join(root, '.env');
if (!existsSync(envPath) && !process.env.AUTH_SECRET) {
  const example = readFileSync(join(root, '.env.example'), 'utf8');
  writeFileSync(envPath, example.replace(/^AUTH_SECRET=.*$/m, `AUTH_SECRET=${randomBytes(32).toString('base64url')}`), { mode: 0o600 });
  console.log('[setup] wrote .env with a new AUTH_SECRET');
}
const res = spawnSync(process.execPath, [join(root, 'scripts/setup-models.mjs'), ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(res.status ?? 1);
