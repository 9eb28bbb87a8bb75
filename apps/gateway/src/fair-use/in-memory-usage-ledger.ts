import { outOfTokens, tooManyInFlight, tooManyMessages, utcDay } from './limit-refusals';
import { IN_FLIGHT_STALE_MS, type UsageLedger, type UserLimits } from './usage-ledger.port';

interface UserUsage {
  windowStart: number;
  messages: number;
  day: string;
  tokens: number;
  inFlight: Map<string, number>;
}

/** The usage of each user in this gateway's memory (the embedded default: one gateway). */
export class InMemoryUsageLedger implements UsageLedger {
  private readonly users = new Map<string, UserUsage>();
  private readonly owners = new Map<string, string>();

  constructor(private readonly now: () => number = Date.now) {}

  async admit(userId: string, messageId: string, limits: UserLimits): Promise<void> {
    const now = this.now();
    const usage = this.usageOf(userId, now);
    for (const [id, at] of usage.inFlight) if (now - at > IN_FLIGHT_STALE_MS) usage.inFlight.delete(id);
    if (limits.tokensPerDay > 0 && usage.tokens >= limits.tokensPerDay) throw outOfTokens(limits.tokensPerDay, now);
    if (limits.answersInFlight > 0 && usage.inFlight.size >= limits.answersInFlight) throw tooManyInFlight(limits.answersInFlight);
    if (limits.messagesPerMin > 0 && usage.messages >= limits.messagesPerMin) throw tooManyMessages(limits.messagesPerMin, usage.windowStart + 60_000 - now);
    usage.messages++;
    usage.inFlight.set(messageId, now);
    this.owners.set(messageId, userId);
  }

  async settle(messageId: string, completionTokens: number): Promise<void> {
    const userId = this.owners.get(messageId);
    if (userId === undefined) return;
    this.owners.delete(messageId);
    const usage = this.usageOf(userId, this.now());
    usage.inFlight.delete(messageId);
    usage.tokens += completionTokens;
  }

  private usageOf(userId: string, now: number): UserUsage {
    const window = now - (now % 60_000);
    let usage = this.users.get(userId);
    if (!usage) this.users.set(userId, (usage = { windowStart: window, messages: 0, day: utcDay(now), tokens: 0, inFlight: new Map() }));
    if (usage.windowStart !== window) Object.assign(usage, { windowStart: window, messages: 0 });
    if (usage.day !== utcDay(now)) Object.assign(usage, { day: utcDay(now), tokens: 0 });
    return usage;
  }
}
