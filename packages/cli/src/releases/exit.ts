// The exit code a release command asks for (main() reads it after the command printed its result).
let pendingExit = 0;

export function setReleaseExit(code: number): void {
  pendingExit = code;
}

export function takeReleaseExit(): number {
  const c = pendingExit;
  pendingExit = 0;
  return c;
}
