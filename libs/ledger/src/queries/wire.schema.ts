import { z } from 'zod';
import { LANGS } from '@points-engine/i18n';

// The building blocks of the read views' zod schemas (the API's response schemas are generated
// from them). JSON has no bigint: an amount is a number only while it is exact.

/** An amount or count that fits a JSON number exactly (balances and amounts always do: the ledger refuses larger ones). */
export const int = z.number().int();

/** A sum over many users, which can pass 2^53 − 1: a number while exact, else a decimal string (domain's exactTotal). */
export const exactTotalSchema = z.union([z.number().int(), z.string().regex(/^-?\d+$/)]).meta({ id: 'ExactTotal', description: 'a number while it is exact (within ±2^53 − 1), else a decimal string' });

/** A PostgreSQL int8 id (a transaction's): a decimal string, never a JSON number. */
export const int8Id = z.string().regex(/^\d+$/).meta({ description: 'int8 as a decimal string' });

/** An int8 quantity that may pass 2^53 − 1 (a token balance): a decimal string. */
export const int8Amount = z.string().regex(/^-?\d+$/).meta({ description: 'int8 as a decimal string' });

/** An instant, as Date.toISOString writes it (UTC). */
export const isoTime = z.iso.datetime().meta({ id: 'DateTime' });

/** A program day (YYYY-MM-DD) in the program's time zone. */
export const programDay = z.iso.date().meta({ id: 'ProgramDay' });

/** The languages texts come in. */
export const langSchema = z.enum(LANGS);

/** A free-form JSON object (an outcome's details, an event's metadata). */
export const jsonObject = z.record(z.string(), z.unknown());
