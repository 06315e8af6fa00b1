/*
 * The recent history the earning rules keep per user, so that a rate limit, the daily cap and a
 * streak hold whatever order events are applied in. Each window reaches back a span from the
 * newest event it took (the arrival bound's span, docs/rules.md): `from` is where that reach
 * starts, and every entry at or after `from` is kept (null: the window never took anything). An
 * event before `from` cannot be checked against what was dropped, nor can it be an event that
 * arrived within the bound after the newest one, so the rules decide it conservatively
 * (`too_old`: nothing earned).
 */

/** Instants (epoch ms, ascending) of an activity's earning events that passed its rate limit. */
export interface InstantWindow {
  readonly from: number | null;
  readonly at: readonly number[];
}

/** Capped points credited per program day ('YYYY-MM-DD'); a day at or after `from` that is absent had none. */
export interface DayTallies {
  readonly from: string | null;
  readonly days: Readonly<Record<string, number>>;
}

/** Program days ('YYYY-MM-DD', ascending) with a claimed daily login. */
export interface DaySet {
  readonly from: string | null;
  readonly days: readonly string[];
}

export const EMPTY_DAY_TALLIES: DayTallies = { from: null, days: {} };
export const EMPTY_DAY_SET: DaySet = { from: null, days: [] };

/**
 * Whether an event at `t` may earn under a rate limit of `intervalMs`: `rate_limited` when a kept
 * instant lies closer than the interval, `too_old` when one might have and was dropped.
 */
export function checkRateWindow(window: InstantWindow | undefined, t: number, intervalMs: number): 'clear' | 'rate_limited' | 'too_old' {
  if (intervalMs <= 0 || window === undefined) return 'clear';
  for (const at of window.at) if (Math.abs(t - at) < intervalMs) return 'rate_limited';
  return window.from !== null && t - intervalMs < window.from ? 'too_old' : 'clear';
}

/** The window with `t` added, reaching back `keepMs` from its latest instant. */
export function addInstant(window: InstantWindow | undefined, t: number, keepMs: number): InstantWindow {
  const before = window?.at ?? [];
  const after = before.findIndex((x) => x > t);
  const at = after === -1 ? [...before, t] : [...before.slice(0, after), t, ...before.slice(after)];
  const reach = (at[at.length - 1] as number) - keepMs;
  const from = window?.from === null || window?.from === undefined ? reach : Math.max(window.from, reach);
  return { from, at: (at[0] as number) < from ? at.filter((x) => x >= from) : at };
}

/** True when a day-keyed window still knows about `day`. */
export const knowsDay = (from: string | null, day: string): boolean => from === null || day >= from;

/** What was tallied on `day` (0 if nothing), or null when that day is no longer known. */
export function tallyOn(tallies: DayTallies, day: string): number | null {
  if (!knowsDay(tallies.from, day)) return null;
  return Object.hasOwn(tallies.days, day) ? (tallies.days[day] as number) : 0;
}

/**
 * The tallies with `amount` added to `day`, reaching back at least to `reach` (the day an event
 * the span before this one falls on).
 */
export function addTally(tallies: DayTallies, day: string, amount: number, reach: string): DayTallies {
  const from = laterDay(tallies.from, reach);
  const days: Record<string, number> = { ...tallies.days, [day]: (tallyOn(tallies, day) ?? 0) + amount };
  if (from !== tallies.from) for (const d of Object.keys(days)) if (d < from) delete days[d];
  return { from, days };
}

/** The set with `day` added, reaching back at least to `reach`. */
export function addDay(set: DaySet, day: string, reach: string): DaySet {
  const from = laterDay(set.from, reach);
  return { from, days: [...new Set([...set.days, day])].filter((d) => d >= from).sort() };
}

/** The latest day in a tally (the one `cap_day` shows), or null. */
export function latestTally(tallies: DayTallies): { day: string; earned: number } | null {
  const day = Object.keys(tallies.days).sort().at(-1);
  return day === undefined ? null : { day, earned: tallies.days[day] as number };
}

const laterDay = (from: string | null, reach: string): string => (from === null || reach > from ? reach : from);
