import { RepetitionGuard } from '../apps/llm-worker/src/generation/repetition-guard';
import { round, summary } from './stats';

/**
 * `npm run bench:guard`: what the LLM worker's repetition guard costs per token as an answer grows, for answers
 * of 500 to 8,000 tokens, written as short sentences and as one run-on sentence (the case that used to grow with
 * the cube of the length). Each token is a distinct word, so the guard never trips and reads the whole answer.
 * "growth" is the total CPU of n tokens over that of n/2 tokens in the same run: about 2 when the cost per token
 * stays flat, 4 when it grows with the length, 8 when with its square.
 */
const LENGTHS = [500, 1000, 2000, 4000, 8000];

function feed(pieces: string[]): { cpuMs: number; perTokenUs: number[] } {
  const guard = new RepetitionGuard();
  const perTokenUs: number[] = [];
  const before = process.cpuUsage();
  for (const piece of pieces) {
    const start = process.hrtime.bigint();
    guard.push(piece);
    perTokenUs.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  const used = process.cpuUsage(before);
  if (guard.tripped) throw new Error('the benchmark text must not trip the guard');
  return { cpuMs: (used.user + used.system) / 1000, perTokenUs };
}

function main(): void {
  const shapes: Record<string, (i: number) => string> = {
    'short sentences': (i) => (i % 12 === 11 ? ` w${i}x.` : ` w${i}x`),
    'one run-on sentence': (i) => ` w${i}x`,
  };
  for (const [shape, token] of Object.entries(shapes)) {
    let previous: number | undefined;
    for (const n of LENGTHS) {
      const { cpuMs, perTokenUs } = feed(Array.from({ length: n }, (_, i) => token(i)));
      const s = summary(perTokenUs);
      const growth = previous === undefined ? '' : ` growth ×${round(cpuMs / previous, 1)}`;
      console.log(`${shape.padEnd(20)} ${String(n).padStart(5)} tokens: ${round(cpuMs, 0)} ms CPU, per token p50 ${round(s.p50, 1)} µs p99 ${round(s.p99, 1)} µs, mean ${round((cpuMs * 1000) / n, 1)} µs${growth}`);
      previous = cpuMs;
    }
  }
}

main();
