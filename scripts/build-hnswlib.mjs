// Rebuilds hnswlib-node (the HNSW index behind VECTOR_STORE=hnsw) for x86-64-v3 (AVX2 + FMA) when this CPU has them.
// npm builds it with the compiler's defaults, SSE2 only: measured here, the AVX2 build inserts ~2x faster and answers
// ~1.5-2x more queries per second. Skipped on other CPUs, and with HNSWLIB_PORTABLE=1 (e.g. an image built on one
// machine and run on another, where an AVX2 binary could stop with SIGILL). Usage: node scripts/build-hnswlib.mjs [--if-generic]
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const packageDir = dirname(require.resolve('hnswlib-node/package.json'));
const marker = join(packageDir, 'build', 'Release', '.relay-march');
const flags = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1].split(/\s+/) ?? [] : [];
const capable = process.arch === 'x64' && ['avx2', 'fma', 'bmi2'].every((f) => flags.includes(f));

if (process.env.HNSWLIB_PORTABLE === '1' || !capable) {
  console.log(`hnswlib-node: keeping the generic build (${capable ? 'HNSWLIB_PORTABLE=1' : 'no AVX2/FMA on this CPU'})`);
} else if (process.argv.includes('--if-generic') && existsSync(marker) && readFileSync(marker, 'utf8').trim() === 'x86-64-v3') {
  console.log('hnswlib-node: already built for x86-64-v3');
} else {
  console.log('hnswlib-node: rebuilding for x86-64-v3 (AVX2, FMA)…');
  execFileSync('npm', ['rebuild', 'hnswlib-node', '--foreground-scripts'], {
    stdio: 'inherit',
    env: { ...process.env, CXXFLAGS: `${process.env.CXXFLAGS ?? ''} -march=x86-64-v3`.trim() },
  });
  writeFileSync(marker, 'x86-64-v3\n');
}
