// Filter controls. Each commits to the address bar (through `onChange`): selects and dates at once,
// text when Enter is pressed or the field is left, so typing does not flood the history.
import { useEffect, useState, type ReactNode } from 'react';

export function FilterBar({ children, active, onClear, testId }: { children: ReactNode; active: boolean; onClear: () => void; testId?: string }) {
  return (
    <div className="filter-bar" role="search" data-testid={testId}>
      {children}
      {active && (
        <button type="button" className="link-btn small" onClick={onClear} data-testid="filters-clear">
          Clear filters
        </button>
      )}
    </div>
  );
}

export function TextFilter({
  label,
  value,
  onChange,
  placeholder,
  testId,
  width,
}: {
  label: string;
  value: string | undefined;
  onChange: (v: string | undefined) => void;
  placeholder?: string;
  testId: string;
  width?: 'narrow' | 'wide';
}) {
  const [draft, setDraft] = useState(value ?? '');
  // The address changed (back/forward, Clear): show its value.
  useEffect(() => {
    setDraft(value ?? '');
  }, [value]);
  const commit = (): void => {
    const v = draft.trim();
    if (v !== (value ?? '')) onChange(v || undefined);
  };
  return (
    <label className="filter">
      <span>{label}</span>
      <input
        type="search"
        className={width ?? ''}
        value={draft}
        placeholder={placeholder}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            commit();
          }
        }}
        spellCheck={false}
        autoComplete="off"
        maxLength={200}
        data-testid={testId}
      />
    </label>
  );
}

export function SelectFilter({
  label,
  value,
  options,
  onChange,
  testId,
  all = 'all',
}: {
  label: string;
  value: string | undefined;
  options: readonly (readonly [string, string])[];
  onChange: (v: string | undefined) => void;
  testId: string;
  all?: string;
}) {
  return (
    <label className="filter">
      <span>{label}</span>
      <select value={value ?? ''} onChange={(e) => onChange(e.target.value || undefined)} data-testid={testId}>
        <option value="">{all}</option>
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Two local days, from and to (both included). */
export function DayRange({
  from,
  to,
  onChange,
  testId,
}: {
  from: string | undefined;
  to: string | undefined;
  onChange: (from: string | undefined, to: string | undefined) => void;
  testId: string;
}) {
  return (
    <span className="filter-range">
      <label className="filter">
        <span>From</span>
        <input type="date" value={from ?? ''} max={to} onChange={(e) => onChange(e.target.value || undefined, to)} data-testid={`${testId}-from`} />
      </label>
      <label className="filter">
        <span>to</span>
        <input type="date" value={to ?? ''} min={from} onChange={(e) => onChange(from, e.target.value || undefined)} data-testid={`${testId}-to`} />
      </label>
    </span>
  );
}
