// Filters name people as operators do: `alice` finds the token alice (recorded as `token:alice`)
// and a command-line user alice; `token:alice` finds only the token.

/** The recorded actor ids a filter value stands for. */
export function actorIds(value: string): [string, ...string[]] {
  return value.includes(':') ? [value] : [value, `token:${value}`];
}
