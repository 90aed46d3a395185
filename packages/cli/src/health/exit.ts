// The exit code `health` and `checks run` ask for, kept until main() takes it.

let pendingExit = 0;

/** Set by `health` and `checks run`: 1 when something does not hold. */
export function setHealthExit(code: number): void {
  pendingExit = code;
}

/** The exit code `health` or `checks run` asked for (main() reads it): 1 when something does not hold. */
export function takeHealthExit(): number {
  const c = pendingExit;
  pendingExit = 0;
  return c;
}
