import { Injectable, Logger, OnModuleDestroy, Optional } from '@nestjs/common';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { dirname } from 'node:path';
import { ReadinessRegistry } from './readiness-registry';

export type AuditRecord =
  | {
      kind: 'request';
      userId: string;
      sessionId: string;
      messageId: string;
      correlationId: string;
      receivedAt: string;
      length: number;
      moderation: 'none' | 'masked' | 'rejected';
    }
  | {
      kind: 'interaction';
      /** Who asked (absent in entries written before it was recorded here: their `request` entry names them). */
      userId?: string;
      sessionId: string;
      messageId: string;
      correlationId: string;
      outcome: string;
      /** What the profanity filter did to the question, when this gateway heard (rejected: outcome error:PROFANITY). */
      moderation?: 'none' | 'masked' | 'rejected';
      /** The question as the user sent it: only with the gateway's AUDIT_MESSAGE_TEXT=true. */
      text?: string;
      /** Why an interaction ended without an answer (`interrupted`: gateway-stopped or gateway-restarted). */
      reason?: string;
      finishReason?: string;
      completionTokens?: number;
      citedDocuments?: string[];
      totalMs?: number;
    }
  | {
      /** Sign-ins and sign-outs, refused credentials and requests, and administrators' changes (apps/gateway AccessAudit). */
      kind: 'access';
      event: string;
      outcome: 'allowed' | 'refused';
      /** The error code a refused request was answered with. */
      code?: string;
      /** Why, for an operator (e.g. ERR_JWT_EXPIRED, another-users-session); never a credential. */
      reason?: string;
      userId?: string;
      client?: string;
      /** What was asked for: a method and path, a socket event, a collection or user id. */
      target?: string;
    };

/** Entries kept in memory while the file cannot be written; past this the oldest are dropped (and counted). */
const MAX_PENDING = 100_000;
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;

export interface AuditLogStats {
  written: number;
  pending: number;
  failedWrites: number;
  dropped: number;
  lastError?: string;
}

/**
 * Append-only JSON-lines audit trail of every interaction, kept apart from the operational log so it can be
 * retained and shipped on its own. Holds ids and outcomes, never message text.
 *
 * `record` never throws and never blocks: entries are queued and written in batches, each batch flushed to disk
 * (fdatasync) before the next. A write that fails (full disk, no permission, the path is a folder) is logged, counted
 * and retried with backoff, keeping the entries (up to MAX_PENDING); readiness reports `audit-log` down meanwhile,
 * so an orchestrator stops sending traffic to a process that cannot keep its audit trail.
 */
@Injectable()
export class AuditLog implements OnModuleDestroy {
  private readonly logger = new Logger('AuditLog');
  private pending: string[] = [];
  private file?: FileHandle;
  private draining?: Promise<void>;
  private retryTimer?: NodeJS.Timeout;
  private retryDelayMs = RETRY_MIN_MS;
  private failing = false;
  private readonly counters: AuditLogStats = { written: 0, pending: 0, failedWrites: 0, dropped: 0 };

  constructor(
    /** The JSON-lines file (administrators read its tail through the gateway). */
    readonly path: string,
    @Optional() readiness?: ReadinessRegistry,
  ) {
    readiness?.register({ name: 'audit-log', check: () => ({ ready: !this.failing, details: { ...this.stats() } }) });
  }

  record(entry: AuditRecord): void {
    this.pending.push(`${JSON.stringify({ at: new Date().toISOString(), ...entry })}\n`);
    if (this.pending.length > MAX_PENDING) {
      this.counters.dropped += this.pending.length - MAX_PENDING;
      this.pending.splice(0, this.pending.length - MAX_PENDING);
    }
    if (!this.retryTimer) void this.drain();
  }

  /** Resolves once everything recorded so far is on disk, or the write failed (then it stays queued for a retry). */
  async flush(): Promise<void> {
    while (this.pending.length > 0 || this.draining) {
      await this.drain();
      if (this.failing) return;
    }
  }

  /**
   * Rewrites the file keeping only the lines `keep` accepts (retention), streamed through a temporary file that
   * replaces it atomically; appends wait meanwhile and then go to the new file. How many lines went.
   */
  async rewrite(keep: (line: string) => boolean): Promise<number> {
    while (this.draining) await this.draining;
    let removed = 0;
    const job = (async () => {
      const exists = await open(this.path, 'r').then((f) => (void f.close(), true), () => false);
      if (!exists) return;
      const tmp = `${this.path}.rewrite-${process.pid}`;
      const out = createWriteStream(tmp, { encoding: 'utf8' });
      try {
        for await (const line of createInterface({ input: createReadStream(this.path, { encoding: 'utf8' }), crlfDelay: Infinity })) {
          if (line === '') continue;
          if (!keep(line)) {
            removed++;
            continue;
          }
          if (!out.write(`${line}\n`)) await once(out, 'drain');
        }
        out.end();
        await once(out, 'finish');
        if (removed === 0) {
          await rm(tmp, { force: true });
          return;
        }
        const handle = await open(tmp, 'r+');
        await handle.datasync().finally(() => handle.close());
        await this.file?.close().catch(() => undefined);
        this.file = undefined;
        await rename(tmp, this.path);
      } catch (err) {
        out.destroy();
        await rm(tmp, { force: true });
        throw err;
      }
    })();
    this.draining = job.then(
      () => undefined,
      () => undefined,
    );
    try {
      await job;
    } finally {
      this.draining = undefined;
      if (this.pending.length > 0 && !this.retryTimer) void this.drain();
    }
    return removed;
  }

  stats(): AuditLogStats {
    return { ...this.counters, pending: this.pending.length };
  }

  async onModuleDestroy(): Promise<void> {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    await this.flush();
    await this.file?.close().catch(() => undefined);
    this.file = undefined;
  }

  private drain(): Promise<void> {
    this.draining ??= (async () => {
      try {
        while (this.pending.length > 0) {
          const batch = this.pending;
          this.pending = [];
          try {
            this.file ??= await this.open();
            await this.file.appendFile(batch.join(''));
            await this.file.datasync();
            this.counters.written += batch.length;
            if (this.failing) this.logger.log({ msg: 'audit log writable again', path: this.path });
            this.failing = false;
            this.retryDelayMs = RETRY_MIN_MS;
          } catch (err) {
            this.pending = batch.concat(this.pending);
            this.onFailure(err as Error);
            return;
          }
        }
      } finally {
        this.draining = undefined;
      }
    })();
    return this.draining;
  }

  private onFailure(err: Error): void {
    this.counters.failedWrites++;
    this.counters.lastError = err.message;
    if (!this.failing) this.logger.error({ msg: 'audit log write failed; entries kept and retried', path: this.path, err: err.message, pending: this.pending.length });
    this.failing = true;
    void this.file?.close().catch(() => undefined);
    this.file = undefined;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.drain();
    }, this.retryDelayMs);
    this.retryTimer.unref();
    this.retryDelayMs = Math.min(RETRY_MAX_MS, this.retryDelayMs * 2);
  }

  private async open(): Promise<FileHandle> {
    await mkdir(dirname(this.path), { recursive: true });
    return open(this.path, 'a');
  }
}
