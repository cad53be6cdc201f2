/** Filters over a list: status tabs, a bar of labelled selects and a search box. The state lives in the URL. */
import { useCallback, type FormEvent, type ReactNode } from 'react';
import { navigate, useLocation } from '../lib/router.js';

/**
 * Set a list's filters in the URL of `path`: empty values and values equal to their default drop out of the query.
 * With `pageKey` (a keyset cursor such as `before`), any other change goes back to the first page and replaces the
 * history entry; a change of the page itself adds one.
 */
export function useUrlFilters(
  path: string,
  defaults: Readonly<Record<string, string>> = {},
  pageKey?: string,
): (changes: Record<string, string>) => void {
  const { search } = useLocation();
  return useCallback(
    (changes) => {
      const next = new URLSearchParams(search);
      for (const [k, v] of Object.entries(changes)) {
        if (v) next.set(k, v);
        else next.delete(k);
      }
      const paging = pageKey !== undefined && pageKey in changes;
      if (pageKey !== undefined && !paging) next.delete(pageKey);
      for (const [k, v] of Object.entries(defaults)) if (next.get(k) === v) next.delete(k);
      const qs = next.toString();
      navigate(`${path}${qs ? `?${qs}` : ''}`, { replace: !paging });
    },
    [search, path, defaults, pageKey],
  );
}

export function Tabs<K extends string>({
  label,
  options,
  value,
  onChange,
  count,
  className,
  children,
}: {
  label: string;
  options: readonly { key: K; text: string }[];
  value: K;
  onChange: (key: K) => void;
  /** An optional count beside a tab (e.g. open alerts). */
  count?: (key: K) => ReactNode;
  /** Extra class names of the row of tabs (page styles such as `source-tabs`). */
  className?: string;
  /** Shown after the tabs, on their line (e.g. a `tabs-filter` search form). */
  children?: ReactNode;
}) {
  return (
    <div className={className ? `tabs ${className}` : 'tabs'} role="tablist" aria-label={label}>
      {options.map((o) => (
        <button
          key={o.key}
          type="button"
          role="tab"
          aria-selected={value === o.key}
          className={value === o.key ? 'tab active' : 'tab'}
          onClick={() => onChange(o.key)}
        >
          {o.text}
          {count?.(o.key)}
        </button>
      ))}
      {children}
    </div>
  );
}

/** A row of filters; a form when it has a search box (Enter applies it). */
export function FilterBar({
  label,
  onSubmit,
  children,
}: {
  label: string;
  onSubmit?: (e: FormEvent) => void;
  children: ReactNode;
}) {
  return onSubmit ? (
    <form className="filter-bar" aria-label={label} onSubmit={onSubmit} role="search">
      {children}
    </form>
  ) : (
    <div className="filter-bar" role="group" aria-label={label}>
      {children}
    </div>
  );
}

/** A select with a screen-reader label; `all` is the empty value's text ("All services"). */
export function SelectFilter({
  id,
  label,
  all,
  value,
  options,
  onChange,
}: {
  id: string;
  label: string;
  all: string;
  value: string;
  options: readonly { value: string; text: string }[];
  onChange: (value: string) => void;
}) {
  return (
    <>
      <label className="sr-only" htmlFor={id}>
        {label}
      </label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{all}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.text}
          </option>
        ))}
      </select>
    </>
  );
}

/**
 * The search box of a FilterBar (the bar's form applies it), its Search button, and "Clear filters" when `onClear`
 * is given (a filter is set).
 */
export function SearchFilter({
  id,
  placeholder,
  value,
  onChange,
  onClear,
}: {
  id: string;
  placeholder: string;
  value: string;
  onChange: (value: string) => void;
  onClear?: (() => void) | undefined;
}) {
  return (
    <>
      <label className="sr-only" htmlFor={id}>
        Search
      </label>
      <input id={id} type="search" placeholder={placeholder} value={value} onChange={(e) => onChange(e.target.value)} />
      <button type="submit" className="btn">
        Search
      </button>
      {onClear && (
        <button type="button" className="btn btn-ghost" onClick={onClear}>
          Clear filters
        </button>
      )}
    </>
  );
}
