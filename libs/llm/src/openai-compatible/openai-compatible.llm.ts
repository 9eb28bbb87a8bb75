import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { FinishReason, LlmMessage } from '@relay/contracts';
import type { LlmConfig } from '../llm.config';
import type { Generation, GenerateOptions, Llm } from '../llm.port';
import { SseDataParser } from './sse-data-parser';

/** An answer the model server gave that is not what the API promises, or no answer at all. */
export class LlmServerError extends Error {
  constructor(
    message: string,
    /** The HTTP status, when the server answered with one. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'LlmServerError';
  }
}

export interface ReachabilityProbeOptions {
  /** First wait before probing again after a failed probe; doubles up to maxDelayMs. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** Longest wait for one GET /models. */
  timeoutMs: number;
}

const DEFAULT_PROBE: ReachabilityProbeOptions = { firstDelayMs: 1000, maxDelayMs: 30_000, timeoutMs: 5000 };

/** The part of a streamed chat.completion.chunk we read. */
interface CompletionChunk {
  choices?: Array<{ delta?: { content?: string | null } | null; finish_reason?: string | null }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: string } | string;
}

/**
 * A chat model served over HTTP by anything that speaks OpenAI's chat completions API (vLLM, Ollama, llama.cpp's
 * server, llama-cpp-python, hosted APIs). The server applies the model's chat template; we stream its SSE answer.
 *
 * Start-up never waits for the server: onModuleInit probes GET /models once and, if that fails, keeps probing in the
 * background (1 s doubling to 30 s) while isReady() says false, so a model server that starts after Relay, or
 * restarts, is picked up without restarting Relay. A request made meanwhile is still tried: the server may be up
 * before the next probe. A connection failure during a request marks the server not ready and starts probing again.
 *
 * It is not a PromptTokenizer: the API has no portable way to count tokens, so prompt counting is
 * NodeLlamaCppTokenizer's job (LlmModule wires it).
 */
@Injectable()
export class OpenAiCompatibleLlm implements Llm, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(OpenAiCompatibleLlm.name);
  private readonly baseUrl: string;
  private resolvedModel = '';
  private ready = false;
  private probeTimer?: NodeJS.Timeout;
  private probeDelayMs: number;
  private destroyed = false;
  /** Cleared when the server refuses stream_options (a few do, with a 400); usage then comes from our estimate. */
  private sendStreamOptions = true;

  constructor(
    private readonly config: LlmConfig,
    private readonly probe: ReachabilityProbeOptions = DEFAULT_PROBE,
  ) {
    // Trailing slashes dropped by a loop: `/\/+$/` backtracks quadratically on a long run of slashes.
    let base = config.LLM_BASE_URL;
    while (base.endsWith('/')) base = base.slice(0, -1);
    this.baseUrl = base;
    this.probeDelayMs = probe.firstDelayMs;
  }

  /** LLM_PARALLEL requests at once when set; otherwise every answer goes straight to the server, which queues them. */
  get parallelism(): number {
    return this.config.LLM_PARALLEL ?? Infinity;
  }

  /** LLM_MODEL, or the id the server listed first once it has been reached. */
  get modelName(): string {
    return this.config.LLM_MODEL || this.resolvedModel || '(first model the server lists)';
  }

  async onModuleInit(): Promise<void> {
    if (!(await this.probeOnce())) this.scheduleProbe();
  }

  onModuleDestroy(): void {
    this.destroyed = true;
    clearTimeout(this.probeTimer);
  }

  isReady(): boolean {
    return this.ready;
  }

  async generate(messages: LlmMessage[], options: GenerateOptions): Promise<Generation> {
    let text = '';
    let contentChunks = 0;
    let finish: string | null | undefined;
    let usage: CompletionChunk['usage'];
    let sawDone = false;
    const result = (finishReason: FinishReason): Generation => ({
      text,
      finishReason,
      // Servers that ignore stream_options.include_usage send no usage. Then: one completion token per content
      // chunk (llama.cpp, vLLM and Ollama stream one token per chunk; a server that batches tokens is undercounted),
      // and prompt tokens estimated as ~4 characters per token plus ~4 tokens of chat template per message.
      promptTokens: usage?.prompt_tokens ?? estimatePromptTokens(messages),
      completionTokens: usage?.completion_tokens ?? contentChunks,
    });
    if (options.signal?.aborted) return result('cancelled');

    const model = await this.modelForRequest();
    const url = `${this.baseUrl}/chat/completions`;
    const controller = new AbortController();
    const cancel = () => controller.abort();
    options.signal?.addEventListener('abort', cancel, { once: true });
    // LLM_REQUEST_TIMEOUT_MS bounds each wait (for the headers, then for each next piece), not the whole answer,
    // so a long answer that keeps streaming is never cut off.
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, this.config.LLM_REQUEST_TIMEOUT_MS);
    };
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    try {
      arm();
      const res = await this.postChat(url, model, messages, options.maxTokens, controller.signal);
      if (!res.body) throw new LlmServerError(`LLM server sent no body to POST ${url}`, res.status);
      // It answered, so it is up, whatever the last probe found.
      this.ready = true;
      reader = res.body.getReader();
      const decoder = new TextDecoder();
      const parser = new SseDataParser();
      read: for (;;) {
        arm();
        const { value, done } = await reader.read();
        const payloads = done ? [...parser.push(decoder.decode()), ...parser.end()] : parser.push(decoder.decode(value, { stream: true }));
        for (const data of payloads) {
          if (data === '[DONE]') {
            sawDone = true;
            break read;
          }
          const chunk = parseChunk(data, url);
          const choice = chunk.choices?.[0];
          const delta = choice?.delta?.content;
          if (delta && !options.signal?.aborted) {
            text += delta;
            contentChunks++;
            options.onDelta(delta);
          }
          if (choice?.finish_reason) finish = choice.finish_reason;
          if (chunk.usage) usage = chunk.usage;
        }
        if (done) break;
      }
    } catch (err) {
      if (options.signal?.aborted) return result('cancelled');
      if (timedOut) {
        throw new LlmServerError(`LLM server sent nothing for ${this.config.LLM_REQUEST_TIMEOUT_MS} ms (LLM_REQUEST_TIMEOUT_MS) to POST ${url}`);
      }
      if (err instanceof LlmServerError) throw err;
      // fetch's TypeError "fetch failed" (refused, reset, DNS): the server is gone until a probe finds it again.
      this.markUnreachable();
      throw new LlmServerError(`LLM server unreachable at POST ${url}: ${describe(err)}`);
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', cancel);
      // After [DONE] or an error, drop the connection rather than leave the rest of the body unread.
      reader?.cancel().catch(() => undefined);
    }
    if (options.signal?.aborted) return result('cancelled');
    if (!finish && !sawDone) throw new LlmServerError(`LLM server's stream from POST ${url} ended before the answer was finished`);
    // "stop", and anything else a server ends with by itself (content_filter, tool_calls, eos), is a natural stop;
    // only "length" means the answer hit max_tokens.
    return result(finish === 'length' ? 'length' : 'stop');
  }

  private async postChat(url: string, model: string, messages: LlmMessage[], maxTokens: number, signal: AbortSignal): Promise<Response> {
    const body = {
      model,
      messages: messages.map((m) => ({ role: m.role, content: m.content })),
      stream: true,
      max_tokens: maxTokens,
      temperature: this.config.LLM_TEMPERATURE,
      ...(this.sendStreamOptions ? { stream_options: { include_usage: true } } : {}),
    };
    const res = await fetch(url, {
      method: 'POST',
      headers: { ...this.headers(), 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify(body),
      signal,
    });
    if (res.ok) return res;
    const excerpt = await bodyExcerpt(res);
    if (res.status === 400 && this.sendStreamOptions && /stream_options/i.test(excerpt)) {
      this.logger.warn({ msg: 'llm server refuses stream_options; usage will be estimated', baseUrl: this.baseUrl });
      this.sendStreamOptions = false;
      return this.postChat(url, model, messages, maxTokens, signal);
    }
    throw new LlmServerError(`LLM server answered ${res.status} ${res.statusText} to POST ${url}: ${excerpt}`, res.status);
  }

  private headers(): Record<string, string> {
    return this.config.LLM_API_KEY ? { authorization: `Bearer ${this.config.LLM_API_KEY}` } : {};
  }

  /** LLM_MODEL, else the id found by the last probe, else a probe now (which throws if the server is down). */
  private async modelForRequest(): Promise<string> {
    if (this.config.LLM_MODEL) return this.config.LLM_MODEL;
    if (this.resolvedModel) return this.resolvedModel;
    await this.listModels();
    return this.resolvedModel;
  }

  /** GET /models: the server answers, and names the model to use when LLM_MODEL is empty. */
  private async listModels(): Promise<void> {
    const url = `${this.baseUrl}/models`;
    let res: Response;
    try {
      res = await fetch(url, { headers: this.headers(), signal: AbortSignal.timeout(this.probe.timeoutMs) });
    } catch (err) {
      throw new LlmServerError(`LLM server unreachable at GET ${url}: ${describe(err)}`);
    }
    if (!res.ok) throw new LlmServerError(`LLM server answered ${res.status} ${res.statusText} to GET ${url}: ${await bodyExcerpt(res)}`, res.status);
    const list = (await res.json().catch(() => ({}))) as { data?: Array<{ id?: unknown }> };
    const ids = (list.data ?? []).map((m) => m.id).filter((id): id is string => typeof id === 'string');
    if (this.config.LLM_MODEL) {
      // Only a warning: some servers (llama.cpp, llama-cpp-python) answer to any model name, and hosted APIs may
      // not list every model a key can use.
      if (ids.length && !ids.includes(this.config.LLM_MODEL)) {
        this.logger.warn({ msg: 'LLM_MODEL is not among the models the server lists', model: this.config.LLM_MODEL, listed: ids.slice(0, 10) });
      }
    } else {
      if (!ids.length) throw new LlmServerError(`LLM server lists no models at GET ${url}: set LLM_MODEL`);
      this.resolvedModel = ids[0];
    }
    this.ready = true;
  }

  private async probeOnce(): Promise<boolean> {
    try {
      await this.listModels();
      this.probeDelayMs = this.probe.firstDelayMs;
      this.logger.log({ msg: 'llm server reachable', baseUrl: this.baseUrl, model: this.modelName });
      return true;
    } catch (err) {
      this.ready = false;
      this.logger.warn({ msg: 'llm server not reachable yet; retrying in the background', error: describe(err), retryInMs: this.probeDelayMs });
      return false;
    }
  }

  private scheduleProbe(): void {
    if (this.destroyed || this.probeTimer) return;
    this.probeTimer = setTimeout(async () => {
      this.probeTimer = undefined;
      if (this.destroyed || this.ready) return;
      if (await this.probeOnce()) return;
      this.probeDelayMs = Math.min(this.probeDelayMs * 2, this.probe.maxDelayMs);
      this.scheduleProbe();
    }, this.probeDelayMs);
    // Probing alone never keeps the process alive.
    this.probeTimer.unref();
  }

  private markUnreachable(): void {
    this.ready = false;
    this.scheduleProbe();
  }
}

function parseChunk(data: string, url: string): CompletionChunk {
  let chunk: CompletionChunk;
  try {
    chunk = JSON.parse(data) as CompletionChunk;
  } catch {
    throw new LlmServerError(`LLM server sent a stream event that is not JSON from POST ${url}: ${data.slice(0, 200)}`);
  }
  // Some servers report a failure mid-stream as an event with an error object instead of an HTTP status.
  if (chunk.error) {
    const message = typeof chunk.error === 'string' ? chunk.error : (chunk.error.message ?? JSON.stringify(chunk.error));
    throw new LlmServerError(`LLM server failed mid-stream on POST ${url}: ${message}`);
  }
  return chunk;
}

function estimatePromptTokens(messages: LlmMessage[]): number {
  return messages.reduce((sum, m) => sum + 4 + Math.ceil(m.content.length / 4), 0);
}

async function bodyExcerpt(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat || '(empty body)';
}

function describe(err: unknown): string {
  // Duck-typed: fetch's errors come from Node's own realm, where `instanceof Error` against ours can be false.
  const message = (e: unknown) => (typeof e === 'object' && e !== null && 'message' in e ? String(e.message) : String(e));
  // undici hides the reason (ECONNREFUSED, ...) in `cause`.
  const cause = typeof err === 'object' && err !== null && 'cause' in err ? err.cause : undefined;
  return cause ? `${message(err)} (${message(cause)})` : message(err);
}
