import type { PointsEvent } from './events.schema.ts';

/** Events the engine makes itself (never accepted from producers). */
export interface LapseHoldEvent {
  kind: 'lapse_hold';
  idempotency_key: string;
  user_id: string;
  hold_key: string;
}

export type LedgerEvent = PointsEvent | LapseHoldEvent;

/** The idempotency key of the lapse of a hold: one lapse per hold, however often the sweep runs. */
export const lapseKey = (holdKey: string): string => `lapse:${holdKey}`;
