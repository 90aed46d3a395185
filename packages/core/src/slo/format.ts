// Numbers as people read them in `config check`, the CLI and reports. Deterministic: no locale.

const trim = (s: string): string => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);

/** 0.999 → "99.9 %", 0.930556 → "93.0556 %" (at most `decimals` decimals, four by default). */
export function formatPercent(fraction: number, decimals = 4): string {
  return `${trim((fraction * 100).toFixed(decimals))} %`;
}

/** An amount of time, rounded to one decimal in a unit that keeps it readable: "850 ms", "51.8 s", "43.2 min", "5.5 h", "3 d". */
export function formatAmount(ms: number): string {
  const a = Math.abs(ms);
  if (a < 1000) return `${trim(ms.toFixed(0))} ms`;
  if (a < 120_000) return `${trim((ms / 1000).toFixed(1))} s`;
  if (a < 7_200_000) return `${trim((ms / 60_000).toFixed(1))} min`;
  if (a < 172_800_000) return `${trim((ms / 3_600_000).toFixed(1))} h`;
  return `${trim((ms / 86_400_000).toFixed(1))} d`;
}

/** A window length in the largest unit that divides it: "30 d", "1 h", "5 min", "90 s". */
export function formatWindow(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['min', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${unit}`;
  }
  return `${ms} ms`;
}

/** A factor as written in the SRE workbook: 14.4×, 6×. */
export const formatFactor = (f: number): string => `${trim(f.toFixed(2))}×`;

export const isoTime = (ms: number): string => new Date(ms).toISOString();
