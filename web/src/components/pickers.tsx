/**
 * Pick things by name: type a few letters, choose from the matches (no pasting ids). `SearchPicker` is the combobox
 * (keyboard: arrows, Enter, Escape); `ServicePicker`, `AlertPicker`, `UserPicker` and `PolicyPicker` ask the API
 * for matches; `PickedList` shows what was chosen with a remove button each. Works at 390 px: the list of matches
 * drops below the field at its full width.
 */
import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { api, errorMessage, query } from '../lib/api.js';

export interface PickerProps<T> {
  /** The field's visible label. */
  label: string;
  placeholder?: string;
  /** Matches for what was typed ('' too: the first few, so a short list needs no typing). */
  search: (text: string) => Promise<T[]>;
  keyOf: (item: T) => string;
  labelOf: (item: T) => string;
  /** A second, muted line (a service's team, an alert's status and service). */
  detailOf?: (item: T) => ReactNode;
  onPick: (item: T) => void;
  /** Keys not to offer (already chosen). */
  exclude?: string[];
  hint?: ReactNode;
  /** The input's id (default: a generated one). */
  id?: string;
  disabled?: boolean;
}

export function SearchPicker<T>({
  label,
  placeholder,
  search,
  keyOf,
  labelOf,
  detailOf,
  onPick,
  exclude = [],
  hint,
  id,
  disabled,
}: PickerProps<T>) {
  const generated = useId();
  const inputId = id ?? `picker-${generated.replace(/:/g, '')}`;
  const listId = `${inputId}-matches`;
  const [text, setText] = useState('');
  const [open, setOpen] = useState(false);
  const [matches, setMatches] = useState<T[]>([]);
  const [active, setActive] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const searchRef = useRef(search);
  searchRef.current = search;
  const excluded = exclude.join('\u0000');

  useEffect(() => {
    if (!open) return;
    let isCurrent = true;
    setLoading(true);
    const timer = setTimeout(() => {
      searchRef
        .current(text.trim())
        .then((found) => {
          if (!isCurrent) return;
          const skip = new Set(excluded ? excluded.split('\u0000') : []);
          setMatches(found.filter((m) => !skip.has(keyOf(m))).slice(0, 20));
          setActive(0);
          setError(null);
        })
        .catch((e: unknown) => isCurrent && setError(errorMessage(e)))
        .finally(() => isCurrent && setLoading(false));
    }, 150);
    return () => {
      isCurrent = false;
      clearTimeout(timer);
    };
    // keyOf is a stable accessor in practice; re-search only when the text, the exclusions or openness change.
  }, [text, open, excluded]);

  const choose = (item: T) => {
    onPick(item);
    setText('');
    setOpen(false);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setOpen(true);
      setActive((a) => Math.min(a + 1, Math.max(0, matches.length - 1)));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(0, a - 1));
    } else if (e.key === 'Enter') {
      if (open && matches[active]) {
        e.preventDefault();
        choose(matches[active]);
      }
    } else if (e.key === 'Escape') {
      setOpen(false);
    }
  };

  return (
    <div className="field picker">
      <label htmlFor={inputId}>{label}</label>
      <input
        id={inputId}
        type="search"
        role="combobox"
        autoComplete="off"
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls={listId}
        aria-activedescendant={open && matches[active] ? `${listId}-${active}` : undefined}
        placeholder={placeholder ?? 'Type a name'}
        value={text}
        disabled={disabled}
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onKeyDown={onKeyDown}
      />
      {open && (
        <ul className="picker-matches" id={listId} role="listbox" aria-label={`${label}: matches`}>
          {error ? (
            <li className="picker-note" role="presentation">
              {error}
            </li>
          ) : matches.length === 0 ? (
            <li className="picker-note" role="presentation">
              {loading ? 'Searching…' : text.trim() ? `Nothing matches “${text.trim()}”.` : 'Nothing to choose.'}
            </li>
          ) : (
            matches.map((m, i) => (
              <li
                key={keyOf(m)}
                id={`${listId}-${i}`}
                role="option"
                aria-selected={i === active}
                className={i === active ? 'picker-match picker-match-active' : 'picker-match'}
                // Chosen on mouse down, before the input's blur closes the list.
                onMouseDown={(e) => {
                  e.preventDefault();
                  choose(m);
                }}
              >
                <span className="picker-match-label">{labelOf(m)}</span>
                {detailOf && <span className="picker-match-detail muted small">{detailOf(m)}</span>}
              </li>
            ))
          )}
        </ul>
      )}
      {hint && <div className="field-hint">{hint}</div>}
    </div>
  );
}

/** What was picked, each with a remove button. */
export function PickedList<T>({
  items,
  keyOf,
  labelOf,
  onRemove,
  label,
}: {
  items: T[];
  keyOf: (item: T) => string;
  labelOf: (item: T) => string;
  onRemove?: (item: T) => void;
  label: string;
}) {
  if (items.length === 0) return null;
  return (
    <ul className="picked" aria-label={label}>
      {items.map((it) => (
        <li key={keyOf(it)} className="picked-item">
          <span>{labelOf(it)}</span>
          {onRemove && (
            <button
              type="button"
              className="btn btn-small btn-ghost"
              aria-label={`Remove ${labelOf(it)}`}
              onClick={() => onRemove(it)}
            >
              ×
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}

export interface PickedService {
  id: string;
  name: string;
  slug: string;
  teamId?: string;
}

export interface PickedAlert {
  id: string;
  summary: string;
  dedupKey: string;
  status: string;
  severity: string;
  serviceId: string;
}

export interface PickedUser {
  id: string;
  name: string;
  email: string;
}

export interface PickedPolicy {
  id: string;
  name: string;
  teamId: string;
}

type Base<T> = Omit<PickerProps<T>, 'search' | 'keyOf' | 'labelOf'>;

export const searchServices = async (text: string): Promise<PickedService[]> =>
  (await api.get<{ services: PickedService[] }>(`/api/services${query({ q: text || undefined })}`)).services;

export function ServicePicker(props: Base<PickedService>) {
  return (
    <SearchPicker<PickedService>
      placeholder="Type a service name"
      {...props}
      search={searchServices}
      keyOf={(s) => s.id}
      labelOf={(s) => s.name}
      detailOf={props.detailOf ?? ((s) => s.slug)}
    />
  );
}

/** Open alerts first; resolved ones too when nothing open matches. */
export const searchAlerts = async (text: string): Promise<PickedAlert[]> => {
  const open = (
    await api.get<{ alerts: PickedAlert[] }>(`/api/alerts${query({ q: text || undefined, status: 'open', limit: 20 })}`)
  ).alerts;
  if (open.length > 0 || !text) return open;
  return (await api.get<{ alerts: PickedAlert[] }>(`/api/alerts${query({ q: text, limit: 20 })}`)).alerts;
};

export function AlertPicker(props: Base<PickedAlert>) {
  return (
    <SearchPicker<PickedAlert>
      placeholder="Type part of an alert’s title"
      {...props}
      search={searchAlerts}
      keyOf={(a) => a.id}
      labelOf={(a) => a.summary || a.dedupKey}
      detailOf={props.detailOf ?? ((a) => `${a.status} · ${a.severity}`)}
    />
  );
}

const matchesText = (text: string, ...values: string[]) =>
  !text || values.some((v) => v.toLowerCase().includes(text.toLowerCase()));

/** People by name or email; `teamId`: that team's members only. */
export function UserPicker({ teamId, ...props }: Base<PickedUser> & { teamId?: string }) {
  const search = async (text: string): Promise<PickedUser[]> => {
    const people = teamId
      ? (
          await api.get<{ members: { userId: string; name: string; email: string }[] }>(
            `/api/teams/${encodeURIComponent(teamId)}`,
          )
        ).members.map((m) => ({ id: m.userId, name: m.name, email: m.email }))
      : (await api.get<{ users: PickedUser[] }>('/api/users')).users;
    return people.filter((u) => matchesText(text, u.name, u.email));
  };
  return (
    <SearchPicker<PickedUser>
      placeholder="Type a name or email"
      {...props}
      search={search}
      keyOf={(u) => u.id}
      labelOf={(u) => u.name || u.email}
      detailOf={props.detailOf ?? ((u) => u.email)}
    />
  );
}

export function PolicyPicker(props: Base<PickedPolicy>) {
  const search = async (text: string): Promise<PickedPolicy[]> =>
    (await api.get<{ policies: PickedPolicy[] }>('/api/escalation-policies')).policies.filter((p) =>
      matchesText(text, p.name),
    );
  return (
    <SearchPicker<PickedPolicy>
      placeholder="Type a policy name"
      {...props}
      search={search}
      keyOf={(p) => p.id}
      labelOf={(p) => p.name}
    />
  );
}
