import type { BotEventEnvelope } from '@points-engine/jobs';

/** The outbox columns a delivery carries. */
export interface OutboxRow {
  id: string;
  event_id: string;
  type: string;
  user_id: string;
  payload: Record<string, unknown>;
  created_at: Date;
}

/** What the bot receives for an outbox row: the job data on `bot-events` and the callback body. */
export function toBotEvent(row: OutboxRow): BotEventEnvelope {
  return {
    event_id: row.event_id,
    type: row.type,
    user_id: row.user_id,
    payload: row.payload,
    created_at: row.created_at.toISOString(),
  };
}
