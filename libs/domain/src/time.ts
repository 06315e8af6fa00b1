const formatters = new Map<string, Intl.DateTimeFormat>();
const DAY_MS = 86_400_000;

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The program day ('YYYY-MM-DD') that an instant falls on in the given time zone. */
export function dayOf(epochMs: number, timeZone: string): string {
  return formatterFor(timeZone).format(new Date(epochMs));
}

/** Adds whole days to a 'YYYY-MM-DD' day (calendar arithmetic, no time zone involved). */
export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (both 'YYYY-MM-DD'). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/** The UTC instant at which the given program day starts in the time zone. */
export function startOfDay(day: string, timeZone: string): number {
  // Guess midnight UTC, then correct by the zone's offset at that instant (twice, for DST edges).
  let guess = Date.parse(`${day}T00:00:00Z`);
  for (let i = 0; i < 2; i++) {
    const local = Date.parse(`${dayOf(guess, timeZone)}T${timeOfDay(guess, timeZone)}Z`);
    guess += Date.parse(`${day}T00:00:00Z`) - local;
  }
  // Where clocks jump over midnight there is no 00:00 and the steps above can end on the day before;
  // one more step forward (at that day's offset) lands on the jump, the day's first instant.
  if (dayOf(guess, timeZone) < day) {
    guess += Date.parse(`${day}T00:00:00Z`) - Date.parse(`${dayOf(guess, timeZone)}T${timeOfDay(guess, timeZone)}Z`);
  }
  return guess;
}

function timeOfDay(epochMs: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(
    new Date(epochMs),
  );
}

/** Index of the fixed-length cycle that contains an instant (cycles are aligned to the epoch). */
export function cycleIndex(epochMs: number, cycleMinutes: number): number {
  return Math.floor(epochMs / (cycleMinutes * 60_000));
}
