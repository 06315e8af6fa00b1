import { InvalidArgumentError } from 'commander';

/** The scopes a key may carry, as the help lists them (a unit test holds this to @points-engine/auth's SCOPES). */
export const SCOPE_HELP = 'producer (bots: earn, spend, hold, settle, void), reader (reads), payments (purchase_bonus, and reversing one), holdings (set_token_balance), admin (everything)';

/** A commander option parser for a whole number in [min, max]; anything else is a clear usage error. */
export function wholeNumber(min: number, max: number, unit = ''): (value: string) => number {
  const what = `a whole number${unit ? ` of ${unit}` : ''} from ${min} to ${max}`;
  return (value) => {
    if (!/^\d{1,16}$/.test(value.trim())) throw new InvalidArgumentError(`Expected ${what}.`);
    const number = Number(value.trim());
    if (number < min || number > max) throw new InvalidArgumentError(`Expected ${what}.`);
    return number;
  };
}

/** A key id as `keys list` shows it: 12 hex digits (the part of a key between `pe_` and the dot). */
export function keyId(value: string): string {
  const id = value.trim();
  if (!/^[a-f0-9]{12}$/.test(id)) throw new InvalidArgumentError('Expected a key id: 12 hex digits, as `keys list` shows (the part of a key between pe_ and the dot).');
  return id;
}

/** A comma list of scopes (checked against the known scopes when the command runs). */
export function scopeList(value: string): string[] {
  const scopes = value.split(',').map((scope) => scope.trim()).filter(Boolean);
  if (scopes.length === 0) throw new InvalidArgumentError('Expected one or more scopes, separated by commas.');
  return scopes;
}

/** A key's name: what `keys list` shows to tell keys apart. */
export function keyName(value: string): string {
  const name = value.trim();
  if (name.length === 0 || name.length > 100 || /[\u0000-\u001f]/.test(name)) throw new InvalidArgumentError('Expected 1 to 100 printable characters.');
  return name;
}
