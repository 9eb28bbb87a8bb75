import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const SCRIPT = resolve(__dirname, '../../scripts/build-once.mjs');

/**
 * A stand-in for `npm run build` in a scratch project: like Vite, it refuses to run while another build of the same
 * project runs ("Found another build process"), takes a while, writes the outputs the start scripts need, and logs
 * each build it did.
 */
const FAKE_BUILD = `
const fs = require('node:fs');
try { fs.writeFileSync('building', String(process.pid), { flag: 'wx' }); }
catch { console.error('Found another build process for this project'); process.exit(1); }
fs.appendFileSync('builds.log', 'build\\n');
setTimeout(() => {
  if (fs.existsSync('fail-next-build')) { fs.rmSync('fail-next-build', { force: true }); fs.rmSync('building'); process.exit(3); }
  for (const app of ['gateway', 'pipeline', 'llm-worker']) {
    fs.mkdirSync('dist/apps/' + app + '/src', { recursive: true });
    fs.writeFileSync('dist/apps/' + app + '/src/main.js', '');
  }
  fs.mkdirSync('dist/web', { recursive: true });
  fs.writeFileSync('dist/web/index.html', '');
  fs.rmSync('building');
}, 600);
`;

function scratchProject(): string {
  const root = mkdtempSync(join(tmpdir(), 'relay-build-once-'));
  mkdirSync(join(root, 'apps/gateway/src'), { recursive: true });
  writeFileSync(join(root, 'apps/gateway/src/main.ts'), 'export const version = 1;\n');
  writeFileSync(join(root, 'package.json'), '{ "name": "scratch" }\n');
  writeFileSync(join(root, 'fake-build.js'), FAKE_BUILD);
  return root;
}

interface Run {
  code: number | null;
  stderr: string;
}

function buildOnce(root: string, extra: string[] = []): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [SCRIPT, '--root', root, '--no-setup', '--build-command', `"${process.execPath}" fake-build.js`, ...extra], { cwd: root });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => done({ code, stderr }));
  });
}

function fakeBuildDirectly(root: string): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['fake-build.js'], { cwd: root });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => done({ code, stderr }));
  });
}

const builds = (root: string) => (existsSync(join(root, 'builds.log')) ? readFileSync(join(root, 'builds.log'), 'utf8').trim().split('\n').length : 0);

describe('scripts/build-once.mjs (what npm run start:* runs before starting)', () => {
  it('the stand-in build, like Vite, fails when three builds of one project run at once (what happened before)', async () => {
    const root = scratchProject();
    const runs = await Promise.all([0, 1, 2].map(() => fakeBuildDirectly(root)));
    expect(runs.filter((r) => r.code !== 0).length).toBeGreaterThan(0);
    expect(runs.find((r) => r.code !== 0)!.stderr).toContain('Found another build process');
  });

  it('started three times at once, builds once and all three succeed', async () => {
    const root = scratchProject();
    const runs = await Promise.all([0, 1, 2].map(() => buildOnce(root)));
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0]);
    expect(builds(root)).toBe(1);
    expect(runs.filter((r) => r.stderr.includes('build is up to date'))).toHaveLength(2);
    expect(existsSync(join(root, '.cache/build.lock'))).toBe(false);
  });

  it('skips an up-to-date build and builds again after an input changes', async () => {
    const root = scratchProject();
    expect((await buildOnce(root)).code).toBe(0);
    expect((await buildOnce(root)).code).toBe(0);
    expect(builds(root)).toBe(1);

    appendFileSync(join(root, 'apps/gateway/src/main.ts'), 'export const more = 2;\n');
    expect((await buildOnce(root)).code).toBe(0);
    expect(builds(root)).toBe(2);
    expect((await buildOnce(root, ['--force'])).code).toBe(0);
    expect(builds(root)).toBe(3);
  });

  it('reports a failed build with its exit code and does not count it as up to date', async () => {
    const root = scratchProject();
    writeFileSync(join(root, 'fail-next-build'), '');
    const failed = await buildOnce(root);
    expect(failed.code).toBe(3);
    expect((await buildOnce(root)).code).toBe(0);
    expect(builds(root)).toBe(2);
  });

  it('takes over a lock left by a build process that died', async () => {
    const root = scratchProject();
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    mkdirSync(join(root, '.cache'), { recursive: true });
    writeFileSync(join(root, '.cache/build.lock'), `${Number(dead.stdout.trim())}\n`);
    const run = await buildOnce(root);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('which is gone');
    expect(builds(root)).toBe(1);
  });

  it('gives up waiting for a live lock holder after the timeout, naming the lock file', async () => {
    const root = scratchProject();
    mkdirSync(join(root, '.cache'), { recursive: true });
    writeFileSync(join(root, '.cache/build.lock'), `${process.pid}\n`); // this test process: alive
    const run = await buildOnce(root, ['--wait-timeout-ms', '500']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('.cache/build.lock');
    expect(builds(root)).toBe(0);
  });
});
