import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { mkdir, open, readdir, readFile, rename, rm, stat, utimes, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/** A message this gateway accepted and has not yet closed with an interaction record. */
export interface OpenInteraction {
  messageId: string;
  sessionId: string;
  correlationId: string;
  /** Who asked (absent in journals written before it was kept here). */
  userId?: string;
  /** The question's text, only with AUDIT_MESSAGE_TEXT=true. */
  text?: string;
}

type JournalLine = { open: OpenInteraction } | { close: string };

/** How often a live journal's file is touched, and how long untouched before another process may take it over. */
const HEARTBEAT_MS = 10_000;
const STALE_MS = 60_000;
/** The journals this process keeps open (tests run several gateways in one process; a real process has one). */
const LIVE_HERE = new Set<string>();

/** Past this size, and with nothing open, the journal starts over. */
const COMPACT_BYTES = 1024 * 1024;

/**
 * The messages one gateway process has accepted and not yet closed, kept durably (fdatasync) in a file of its own
 * under DATA_DIR/audit/open/, so a gateway that dies (kill -9, power loss) leaves a record of what it owed the audit
 * trail. Another gateway process, or this one restarted, takes over a dead process's journal: at once when it was a
 * process of this host that is gone, else once its file has not been touched for STALE_MS (a live process touches it
 * every HEARTBEAT_MS). Taking over is an atomic rename, so one process only closes each journal.
 */
export class InteractionJournal {
  // host~pid~random: `~` appears in no host name, so the parts read back unambiguously.
  readonly id = `${hostname()}~${process.pid}~${randomUUID().slice(0, 8)}`;
  private file?: FileHandle;
  private chain: Promise<unknown> = Promise.resolve();
  private bytes = 0;
  private heartbeat?: NodeJS.Timeout;

  constructor(private readonly dir: string) {}

  private get path(): string {
    return join(this.dir, `${this.id}.jsonl`);
  }

  async start(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    this.file = await open(this.path, 'a');
    LIVE_HERE.add(`${this.id}.jsonl`);
    this.heartbeat = setInterval(() => void utimes(this.path, new Date(), new Date()).catch(() => undefined), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Durably on disk before it resolves: the caller publishes the message only after. */
  opened(interaction: OpenInteraction): Promise<void> {
    return this.write({ open: interaction }, true);
  }

  /** Closing needs no sync of its own: lost, it only makes a restart write `interrupted` for a message already recorded. */
  closed(messageId: string, nothingOpen: boolean): void {
    void this.write({ close: messageId }, false).then(async () => {
      if (nothingOpen && this.bytes > COMPACT_BYTES) await this.serialized(async () => (await this.file?.truncate(0), (this.bytes = 0)));
    });
  }

  /** Stops the heartbeat and removes the journal: called once every open interaction has its record. */
  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    LIVE_HERE.delete(`${this.id}.jsonl`);
    await this.chain.catch(() => undefined);
    await this.file?.close().catch(() => undefined);
    this.file = undefined;
    await rm(this.path, { force: true });
  }

  /**
   * Takes over the journals of processes that are gone and returns what they left open. The caller writes their
   * records, then calls `release` for each.
   */
  async takeOverAbandoned(): Promise<Array<{ claimed: string; open: OpenInteraction[] }>> {
    const taken: Array<{ claimed: string; open: OpenInteraction[] }> = [];
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return taken;
    }
    for (const name of names) {
      const claimedBySomeone = name.includes('.claimed-');
      if (!name.endsWith('.jsonl') && !claimedBySomeone) continue;
      if (name === `${this.id}.jsonl`) continue;
      const path = join(this.dir, name);
      if (!(await this.abandoned(name, path))) continue;
      // The journal's own name, without `.jsonl` or an earlier claimer's `.claimed-…` (indexOf: the recheck test found
      // /\.claimed-.*$/ quadratic).
      const cut = name.indexOf('.claimed-');
      const base = (cut === -1 ? name : name.slice(0, cut)).replace(/\.jsonl$/, '');
      const claimed = join(this.dir, `${base}.claimed-${this.id}`);
      try {
        await rename(path, claimed); // atomic: whoever renames first takes it
        // Fresh again, so no third process takes it from us as stale while we close it.
        await utimes(claimed, new Date(), new Date());
      } catch {
        continue;
      }
      taken.push({ claimed, open: openIn(await readFile(claimed, 'utf8')) });
    }
    return taken;
  }

  async release(claimed: string): Promise<void> {
    await rm(claimed, { force: true });
  }

  /** Whether the process that wrote this journal is gone. */
  private async abandoned(name: string, path: string): Promise<boolean> {
    const [host, pid] = name.split('~');
    if (host === hostname() && Number(pid) > 0 && !name.includes('.claimed-')) {
      // Our pid but not one of our journals: an earlier process that had our pid (a restarted container).
      if (Number(pid) === process.pid) return !LIVE_HERE.has(name);
      try {
        process.kill(Number(pid), 0);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ESRCH') return true;
      }
    }
    try {
      return Date.now() - (await stat(path)).mtimeMs > STALE_MS;
    } catch {
      return false;
    }
  }

  private write(line: JournalLine, sync: boolean): Promise<void> {
    const text = `${JSON.stringify(line)}\n`;
    return this.serialized(async () => {
      if (!this.file) return;
      await this.file.appendFile(text);
      this.bytes += text.length;
      if (sync) await this.file.datasync();
    });
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.catch(() => undefined).then(work);
    this.chain = next;
    return next;
  }
}

/** The interactions a journal opened and did not close. */
function openIn(text: string): OpenInteraction[] {
  const open = new Map<string, OpenInteraction>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const entry = JSON.parse(line) as JournalLine;
      if ('open' in entry) open.set(entry.open.messageId, entry.open);
      else if ('close' in entry) open.delete(entry.close);
    } catch {
      // a torn last line from a crash: that message was never published
    }
  }
  return [...open.values()];
}
