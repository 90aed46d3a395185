// Text helpers the health commands print with: a padded column and a latency in milliseconds.

export const pad = (s: string, n: number): string => (s.length >= n ? `${s} ` : s + ' '.repeat(n - s.length));
export const ms = (x: number): string => `${Math.round(x * 10) / 10} ms`;
