#!/usr/bin/env node
// `npm run ingest -- <path or glob> [...] [--url http://localhost:3000] [--token T] [--collection C]`: uploads each
// file (into collection C, if given) to a running gateway's POST /api/documents, with a progress bar on stderr and one
// result line per file on stdout.
// A folder means every .txt/.md/.html/.pdf under it. Exit code 1 if any file failed.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';

const TYPES = /\.(txt|text|md|markdown|html?|pdf)$/i;

function parseArgs(argv) {
  const out = { patterns: [], url: `http://localhost:${process.env.PORT || 3000}`, token: process.env.DOCUMENTS_TOKEN || '' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--url') out.url = argv[++i];
    else if (a === '--token') out.token = argv[++i];
    else if (a === '--collection') out.collection = argv[++i];
    else if (a === '--help' || a === '-h') out.help = true;
    else out.patterns.push(a);
  }
  return out;
}

/** A glob (`*`, `**`, `?`) as a regular expression over /-separated paths. */
function globToRegExp(glob) {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      re += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

async function walk(dir) {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath ?? e.path, e.name));
}

/** Files named by the arguments: a file, every document under a folder, or the files a glob matches. */
async function expand(patterns) {
  const files = new Set();
  for (const pattern of patterns) {
    const p = pattern.split(sep).join('/');
    if (!/[*?]/.test(p)) {
      const info = await stat(p).catch(() => undefined);
      if (!info) throw new Error(`${pattern}: no such file or folder`);
      if (info.isDirectory()) (await walk(p)).filter((f) => TYPES.test(f)).forEach((f) => files.add(f));
      else files.add(p);
      continue;
    }
    const base = p.slice(0, p.search(/[*?]/)).replace(/[^/]*$/, '') || '.';
    const re = globToRegExp(p.startsWith('./') ? p.slice(2) : p);
    for (const f of await walk(base).catch(() => [])) {
      const rel = relative('.', f).split(sep).join('/');
      if (re.test(rel) || re.test(f.split(sep).join('/'))) files.add(f);
    }
  }
  return [...files].sort();
}

const human = (n) => (n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} kB` : `${(n / 1024 ** 2).toFixed(1)} MB`);

function progress(done, total, bytes, current) {
  if (!process.stderr.isTTY) return;
  const width = 24;
  const filled = Math.round((done / Math.max(total, 1)) * width);
  const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} files, ${human(bytes)} ${current ? `· ${current}` : ''}`;
  process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns || 100) - 1)}`);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.help || args.patterns.length === 0) {
    console.error('usage: npm run ingest -- <file|folder|glob> [...] [--url http://localhost:3000] [--token DOCUMENTS_TOKEN] [--collection COLLECTION]');
    process.exit(args.help ? 0 : 2);
  }
  let files;
  try {
    files = await expand(args.patterns);
  } catch (err) {
    console.error(err.message);
    process.exit(2);
  }
  if (files.length === 0) {
    console.error(`no files match ${args.patterns.join(' ')}`);
    process.exit(2);
  }
  const counts = { indexed: 0, unchanged: 0, failed: 0 };
  let bytes = 0;
  for (let i = 0; i < files.length; i++) {
    const file = files[i];
    const source = relative(process.cwd(), resolve(file)).split(sep).join('/');
    progress(i, files.length, bytes, source);
    let line;
    try {
      const data = await readFile(file);
      bytes += data.length;
      const form = new FormData();
      form.append('source', source);
      if (args.collection) form.append('collection', args.collection);
      form.append('file', new Blob([data]), basename(file));
      const res = await fetch(new URL('/api/documents', args.url), { method: 'POST', body: form, headers: { 'X-Relay-Request': '1', ...(args.token ? { Authorization: `Bearer ${args.token}` } : {}) } });
      const body = await res.json().catch(() => ({}));
      if (res.status === 200 && body.unchanged) {
        counts.unchanged++;
        line = `unchanged  ${source}`;
      } else if (res.status === 201) {
        counts.indexed++;
        line = `indexed    ${source}: ${body.document.chunks} chunks`;
      } else if (res.status === 202) {
        counts.indexed++;
        line = `indexing   ${source}: still indexing (see GET /api/documents/${body.document.documentId})`;
      } else {
        counts.failed++;
        line = `error      ${source}: ${body.error?.code ?? res.status} ${body.error?.message ?? res.statusText}`;
      }
    } catch (err) {
      counts.failed++;
      const code = err.cause?.code ?? err.cause?.errors?.[0]?.code;
      line = `error      ${source}: ${code === 'ECONNREFUSED' ? `no gateway at ${args.url} (start it with npm start, or pass --url)` : `${err.message}${code ? ` (${code})` : ''}`}`;
    }
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
    console.log(line);
  }
  progress(files.length, files.length, bytes, '');
  if (process.stderr.isTTY) process.stderr.write('\n');
  console.log(`${files.length} files: ${counts.indexed} indexed, ${counts.unchanged} unchanged, ${counts.failed} failed`);
  process.exit(counts.failed > 0 ? 1 : 0);
}

await main();
