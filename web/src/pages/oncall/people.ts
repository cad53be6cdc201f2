/** People by id (for names in schedules and policies) and a stable color per person on the timeline. */
import { useMemo, useState } from 'react';
import { useUser } from '../../lib/session.js';
import type { Team, User } from '../../lib/types.js';
import { useApi } from '../../lib/use-api.js';

export interface People {
  users: User[];
  loaded: boolean;
  error: unknown;
  name: (id: string) => string;
}

export function usePeople(): People {
  const res = useApi<{ users: User[] }>('/api/users');
  return useMemo(() => {
    const users = res.data?.users ?? [];
    const byId = new Map(users.map((u) => [u.id, u]));
    return {
      users,
      loaded: !!res.data,
      error: res.error,
      name: (id: string) => {
        const u = byId.get(id);
        return u ? u.name || u.email : id;
      },
    };
  }, [res.data, res.error]);
}

export function useTeams(): { teams: Team[]; loaded: boolean; error: unknown; name: (id: string) => string } {
  const res = useApi<{ teams: Team[] }>('/api/teams');
  return useMemo(() => {
    const teams = res.data?.teams ?? [];
    return {
      teams,
      loaded: !!res.data,
      error: res.error,
      name: (id: string) => teams.find((t) => t.id === id)?.name ?? id,
    };
  }, [res.data, res.error]);
}

/** Distinct, readable-with-white-text hues; chosen by order in the schedule so neighbours differ. */
const PALETTE = [
  '#2f6db5',
  '#b0522a',
  '#2e7d5b',
  '#7a4fb0',
  '#a83e6b',
  '#0f7c8c',
  '#8a6d00',
  '#4b5fc7',
  '#6b7a1f',
  '#9c3c3c',
];

export function colorMap(orderedIds: string[]): (id: string) => string {
  const seen = new Map<string, string>();
  for (const id of orderedIds) if (!seen.has(id)) seen.set(id, PALETTE[seen.size % PALETTE.length]!);
  return (id: string) => {
    const known = seen.get(id);
    if (known) return known;
    let h = 0;
    for (const c of id) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    return PALETTE[h % PALETTE.length]!;
  };
}

export function userLabel(u: User): string {
  return u.name ? `${u.name} <${u.email}>` : u.email;
}

/**
 * Who a person picker offers for a team's schedule, override, swap or escalation policy: the team's members (active,
 * by name). The API accepts anyone active, so an organisation administrator may tick `showEveryone` to pick someone
 * outside the team (cover lent by another team); everyone else sees the team only. With no team chosen yet, everyone.
 */
export interface TeamPicker {
  /** The people to list, members first; people outside the team only when shown. */
  users: User[];
  isMember: (id: string) => boolean;
  teamName: string;
  /** May this person show people outside the team (organisation administrators)? */
  canShowEveryone: boolean;
  showEveryone: boolean;
  setShowEveryone: (v: boolean) => void;
}

export function useTeamPicker(people: People, teamId: string): TeamPicker {
  const me = useUser();
  const team = useApi<Team>(teamId ? `/api/teams/${encodeURIComponent(teamId)}` : null);
  const [showEveryone, setShowEveryone] = useState(false);
  return useMemo(() => {
    const memberIds = new Set((team.data?.members ?? []).map((m) => m.userId));
    const byName = (a: User, b: User) => (a.name || a.email).localeCompare(b.name || b.email);
    const active = people.users.filter((u) => !u.disabledAt);
    const members = active.filter((u) => memberIds.has(u.id)).sort(byName);
    const others = active.filter((u) => !memberIds.has(u.id)).sort(byName);
    const everyone = !teamId || (me.isAdmin && showEveryone);
    return {
      users: everyone ? [...members, ...others] : members,
      isMember: (id: string) => memberIds.has(id),
      teamName: team.data?.name ?? 'the team',
      canShowEveryone: me.isAdmin && !!teamId,
      showEveryone,
      setShowEveryone,
    };
  }, [team.data, people.users, teamId, me.isAdmin, showEveryone]);
}

/** A picker option's text: outside the team is said, so an administrator sees whom they are lending. */
export function pickerLabel(picker: TeamPicker, u: User): string {
  return picker.isMember(u.id) ? userLabel(u) : `${userLabel(u)} (not in ${picker.teamName})`;
}
