#!/usr/bin/env node
// Installs Debian's Chromium for the browser tests (playwright-core drives it; no browser download from the web).
// `--if-missing` does nothing when it is already there. Needs root or sudo for apt-get.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (existsSync(CHROMIUM)) {
  if (!process.argv.includes('--if-missing')) console.log(`chromium: ${execFileSync(CHROMIUM, ['--version']).toString().trim()}`);
  process.exit(0);
}
const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
const run = (args) => execFileSync(sudo.length ? 'sudo' : args[0], sudo.length ? args : args.slice(1), { stdio: 'inherit' });
console.log('chromium: installing Debian\'s package for the browser tests (apt-get install chromium)…');
try {
  run(['apt-get', 'update', '-q']);
  run(['apt-get', 'install', '-y', '-q', 'chromium']);
} catch (err) {
  console.error(`chromium: could not install it (${err.message}). Install it yourself: apt-get install chromium (or set CHROMIUM_PATH).`);
  process.exit(1);
}
