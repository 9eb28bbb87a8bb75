import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { InteractionJournal } from './interaction-journal';

const interaction = (n: number) => ({ messageId: `m-${n}`, sessionId: 's-1', correlationId: `c-${n}` });

/** A journal as a process that is gone left it: this host, a pid no process has. */
function deadJournal(dir: string, lines: object[]): string {
  const name = `${hostname()}~999999999~dead.jsonl`;
  writeFileSync(join(dir, name), lines.map((l) => `${JSON.stringify(l)}\n`).join('') + '{"open":{"messageId":"torn'); // a torn last line
  return name;
}

describe('InteractionJournal', () => {
  it('takes over the journal of a dead process on this host and returns what it left open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-journal-'));
    deadJournal(dir, [{ open: interaction(1) }, { open: interaction(2) }, { close: 'm-1' }]);
    const journal = new InteractionJournal(dir);
    await journal.start();

    const taken = await journal.takeOverAbandoned();
    expect(taken.map((t) => t.open)).toEqual([[interaction(2)]]);
    await journal.release(taken[0].claimed);
    expect(readdirSync(dir)).toEqual([`${journal.id}.jsonl`]);
    await journal.stop();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('leaves a live process’s journal alone, and only one of two processes takes a dead one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-journal-'));
    const live = new InteractionJournal(dir);
    await live.start();
    await live.opened(interaction(1));
    deadJournal(dir, [{ open: interaction(7) }]);
    const [a, b] = [new InteractionJournal(dir), new InteractionJournal(dir)];
    await Promise.all([a.start(), b.start()]);

    const [byA, byB] = await Promise.all([a.takeOverAbandoned(), b.takeOverAbandoned()]);
    expect([...byA, ...byB].map((t) => t.open)).toEqual([[interaction(7)]]);
    expect(existsSync(join(dir, `${live.id}.jsonl`))).toBe(true);
    await Promise.all([live.stop(), a.stop(), b.stop()]);
  });
});
