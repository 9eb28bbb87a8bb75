import * as leoProfanity from 'leo-profanity';

export type ProfanityPolicy = 'mask' | 'reject';

export type ProfanityVerdict =
  | { action: 'none'; text: string }
  | { action: 'masked'; text: string }
  | { action: 'rejected' };

/** leo-profanity's English list, applied by policy: mask the words with asterisks, or reject the message. */
export class ProfanityFilter {
  constructor(private readonly policy: ProfanityPolicy) {}

  apply(text: string): ProfanityVerdict {
    if (!leoProfanity.check(text)) return { action: 'none', text };
    if (this.policy === 'reject') return { action: 'rejected' };
    return { action: 'masked', text: leoProfanity.clean(text) };
  }
}
