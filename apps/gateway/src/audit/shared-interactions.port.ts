import type { AuditEntry } from '@relay/audit-trail';
import type { OpenInteraction } from './interaction-journal';

export const SHARED_INTERACTIONS = Symbol('SHARED_INTERACTIONS');

/**
 * Accepted messages kept where every gateway replica sees them (STORE=postgres), so whichever replica sees a
 * message end (not only the one that accepted it, which may be gone) can record it, and only one does.
 */
export interface SharedInteractions {
  /** Durably noted before the message is published. */
  open(interaction: OpenInteraction): Promise<void>;
  /** Not published after all: forgotten. */
  withdraw(messageId: string): Promise<void>;
  /**
   * Ends the interaction with this outcome if it is still open, and in the same transaction records the audit entry
   * `record` makes of it (so a replica dying in between leaves the interaction open for another, not ended and
   * unrecorded): the entry when this call ended it, else undefined.
   */
  claim(messageId: string, outcome: string, record: (interaction: OpenInteraction) => AuditEntry): Promise<AuditEntry | undefined>;
  /** Ids of interactions still open that were accepted more than `olderThanMs` ago. */
  openSince(olderThanMs: number): Promise<string[]>;
}
