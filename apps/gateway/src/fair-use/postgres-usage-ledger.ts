import { type Database, withoutNul } from '@relay/database';
import { outOfTokens, tooManyInFlight, tooManyMessages } from './limit-refusals';
import { IN_FLIGHT_STALE_MS, type UsageLedger, type UserLimits } from './usage-ledger.port';

/**
 * The usage of each user in PostgreSQL, so the limits hold however many gateway replicas a user's messages reach.
 * One user's admissions are serialised by a transaction-scoped advisory lock; settling is one statement whose
 * DELETE … RETURNING makes it count once, whichever replicas report the same answer.
 */
export class PostgresUsageLedger implements UsageLedger {
  constructor(private readonly db: Database) {}

  async admit(userId: string, messageId: string, limits: UserLimits): Promise<void> {
    const user = withoutNul(userId);
    await this.db.transaction(async (client) => {
      await client.query("SELECT pg_advisory_xact_lock(hashtextextended('relay-usage:' || $1, 0))", [user]);
      const { rows } = await client.query<{ now: Date; tokens: string | null; in_flight: string; messages: number | null }>(
        `SELECT now() AS now,
                (SELECT tokens FROM user_token_days WHERE user_id = $1 AND day = (now() AT TIME ZONE 'utc')::date) AS tokens,
                (SELECT count(*) FROM user_answers_in_flight WHERE user_id = $1 AND accepted_at > now() - make_interval(secs => $2)) AS in_flight,
                (SELECT messages FROM user_message_windows WHERE user_id = $1 AND window_start = date_trunc('minute', now())) AS messages`,
        [user, IN_FLIGHT_STALE_MS / 1000],
      );
      const now = rows[0].now.getTime();
      if (limits.tokensPerDay > 0 && Number(rows[0].tokens ?? 0) >= limits.tokensPerDay) throw outOfTokens(limits.tokensPerDay, now);
      if (limits.answersInFlight > 0 && Number(rows[0].in_flight) >= limits.answersInFlight) throw tooManyInFlight(limits.answersInFlight);
      if (limits.messagesPerMin > 0 && (rows[0].messages ?? 0) >= limits.messagesPerMin) throw tooManyMessages(limits.messagesPerMin, 60_000 - (now % 60_000));
      await client.query(
        `INSERT INTO user_message_windows (user_id, window_start, messages) VALUES ($1, date_trunc('minute', now()), 1)
         ON CONFLICT (user_id, window_start) DO UPDATE SET messages = user_message_windows.messages + 1`,
        [user],
      );
      await client.query('INSERT INTO user_answers_in_flight (message_id, user_id, accepted_at) VALUES ($1, $2, now()) ON CONFLICT DO NOTHING', [withoutNul(messageId), user]);
      // Old windows and stale answers of this user go as new ones come.
      await client.query("DELETE FROM user_message_windows WHERE user_id = $1 AND window_start < now() - interval '1 hour'", [user]);
      await client.query('DELETE FROM user_answers_in_flight WHERE user_id = $1 AND accepted_at < now() - make_interval(secs => $2)', [user, IN_FLIGHT_STALE_MS / 1000]);
    });
  }

  async settle(messageId: string, completionTokens: number): Promise<void> {
    await this.db.query(
      `WITH ended AS (DELETE FROM user_answers_in_flight WHERE message_id = $1 RETURNING user_id)
       INSERT INTO user_token_days (user_id, day, tokens) SELECT user_id, (now() AT TIME ZONE 'utc')::date, $2 FROM ended
       ON CONFLICT (user_id, day) DO UPDATE SET tokens = user_token_days.tokens + EXCLUDED.tokens`,
      [withoutNul(messageId), completionTokens],
    );
  }
}
