// Pure: time.ts has no I/O (Intl only); this file needs no services.
import { describe, expect, it } from 'vitest';
import { addDays, cycleIndex, dayOf, daysBetween, startOfDay } from '@points-engine/domain';

describe('dayOf', () => {
  it.each([
    ['2026-03-10T12:00:00Z', 'UTC', '2026-03-10'],
    ['2026-03-10T00:00:00Z', 'UTC', '2026-03-10'],
    ['2026-03-10T23:59:59.999Z', 'UTC', '2026-03-10'],
    ['2026-03-10T20:59:59Z', 'Europe/Moscow', '2026-03-10'],
    ['2026-03-10T21:00:00Z', 'Europe/Moscow', '2026-03-11'], // Moscow is UTC+3
    ['2026-03-10T03:00:00Z', 'America/New_York', '2026-03-09'],
    ['2026-03-10T18:29:59Z', 'Asia/Kolkata', '2026-03-10'],
    ['2026-03-10T18:30:00Z', 'Asia/Kolkata', '2026-03-11'], // UTC+5:30
    ['2026-12-31T23:30:00Z', 'Pacific/Kiritimati', '2027-01-01'], // UTC+14
    ['2024-02-29T12:00:00Z', 'UTC', '2024-02-29'],
  ])('%s in %s is %s', (iso, zone, day) => {
    expect(dayOf(Date.parse(iso), zone)).toBe(day);
  });
});

describe('addDays', () => {
  it.each([
    ['2026-03-10', 1, '2026-03-11'],
    ['2026-03-10', -1, '2026-03-09'],
    ['2026-03-10', 0, '2026-03-10'],
    ['2026-02-28', 1, '2026-03-01'],
    ['2028-02-28', 1, '2028-02-29'], // leap year
    ['2026-12-31', 1, '2027-01-01'],
    ['2026-01-01', -1, '2025-12-31'],
    ['2026-03-01', -30, '2026-01-30'],
    ['2026-03-08', 1, '2026-03-09'], // a DST change somewhere does not matter: no zone involved
    ['2026-03-10', 365, '2027-03-10'],
  ])('%s %+d days = %s', (day, days, expected) => {
    expect(addDays(day, days)).toBe(expected);
  });
});

describe('daysBetween', () => {
  it.each([
    ['2026-03-10', '2026-03-10', 0],
    ['2026-03-09', '2026-03-10', 1],
    ['2026-03-10', '2026-03-09', -1],
    ['2026-02-01', '2026-03-01', 28],
    ['2028-02-01', '2028-03-01', 29],
    ['2025-03-10', '2026-03-10', 365],
  ])('%s → %s is %i days', (from, to, days) => {
    expect(daysBetween(from, to)).toBe(days);
  });

  it('inverts addDays', () => {
    for (const days of [-400, -31, -1, 0, 1, 29, 366]) expect(daysBetween('2026-03-10', addDays('2026-03-10', days))).toBe(days);
  });
});

describe('startOfDay', () => {
  it.each([
    ['2026-03-10', 'UTC', '2026-03-10T00:00:00.000Z'],
    ['2026-03-10', 'Europe/Moscow', '2026-03-09T21:00:00.000Z'],
    ['2026-03-10', 'Asia/Kolkata', '2026-03-09T18:30:00.000Z'],
    ['2026-03-08', 'America/New_York', '2026-03-08T05:00:00.000Z'], // the DST day itself starts in EST
    ['2026-03-09', 'America/New_York', '2026-03-09T04:00:00.000Z'], // the next day in EDT
    ['2026-11-01', 'America/New_York', '2026-11-01T04:00:00.000Z'], // fall back later that day
    ['2026-03-29', 'Europe/London', '2026-03-29T00:00:00.000Z'],
    ['2026-10-25', 'Europe/London', '2026-10-24T23:00:00.000Z'],
    // Zones whose clocks jump at midnight: the day starts at 01:00 local, the instant of the jump.
    ['2026-09-06', 'America/Santiago', '2026-09-06T04:00:00.000Z'],
    ['2026-03-08', 'America/Havana', '2026-03-08T05:00:00.000Z'],
    // Clocks going back at midnight: the day starts once the repeated hour is over.
    ['2026-04-05', 'America/Santiago', '2026-04-05T04:00:00.000Z'],
  ])('%s in %s starts at %s', (day, zone, iso) => {
    expect(new Date(startOfDay(day, zone)).toISOString()).toBe(iso);
  });

  const zones = ['UTC', 'Europe/Moscow', 'America/New_York', 'Europe/London', 'Asia/Kolkata', 'Australia/Lord_Howe', 'America/Santiago', 'America/Havana', 'Pacific/Chatham'];
  const days = ['2026-01-01', '2026-03-08', '2026-03-29', '2026-04-05', '2026-09-06', '2026-10-04', '2026-10-25', '2026-11-01'];
  it.each(zones.flatMap((zone) => days.map((day) => [zone, day] as const)))('in %s, %s starts exactly at its first instant', (zone, day) => {
    const start = startOfDay(day, zone);
    expect(dayOf(start, zone)).toBe(day);
    expect(dayOf(start - 1, zone)).toBe(addDays(day, -1));
  });
});

describe('cycleIndex', () => {
  it.each([
    [0, 15, 0],
    [15 * 60_000 - 1, 15, 0],
    [15 * 60_000, 15, 1],
    [Date.parse('2026-03-10T12:00:00Z'), 15, Date.parse('2026-03-10T12:00:00Z') / 900_000],
    [Date.parse('2026-03-10T12:14:59.999Z'), 15, Date.parse('2026-03-10T12:00:00Z') / 900_000],
    [Date.parse('2026-03-10T12:15:00Z'), 15, Date.parse('2026-03-10T12:00:00Z') / 900_000 + 1],
    [Date.parse('2026-03-10T12:00:00Z'), 1440, Date.parse('2026-03-10T00:00:00Z') / 86_400_000],
  ])('instant %i with %i-minute cycles is cycle %i', (epochMs, minutes, index) => {
    expect(Number.isInteger(index)).toBe(true);
    expect(cycleIndex(epochMs, minutes)).toBe(index);
  });
});
