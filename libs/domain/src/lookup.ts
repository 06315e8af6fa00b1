/**
 * The entry a table holds under `name` as its own property, or undefined. A name taken from a
 * request ("constructor", "__proto__", "toString") must never reach the object prototype: looked
 * up with `table[name]` it found a function, which passed every "is it known?" check and then
 * turned into NaN amounts, 500s and retried jobs.
 */
export function own<T>(table: Readonly<Record<string, T>> | undefined, name: string): T | undefined {
  return table !== undefined && Object.hasOwn(table, name) ? table[name] : undefined;
}
