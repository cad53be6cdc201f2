/**
 * The checks that need both sides: every reference in the files (a team's members, a layer's participants, a
 * policy's targets, a service's team, policy and dependencies) names an object of the files or, without --prune, one
 * already in Muster; a policy pages only its own team's schedules or shared ones; and the caller cannot take away
 * their own administrator rights or account. Problems name the file, the object and the field (lists compared in any
 * order — members, overrides, dependencies, rules — by the list's name, the message naming the entry).
 */
import { contactMethodKey } from './current.js';
import type { ConfigProblem } from './load.js';
import { KIND_WORD, type CurrentState, type DesiredObject, type DesiredState, type Value } from './model.js';
import type { Kind } from './schema.js';

export function referenceProblems(
  desired: DesiredState,
  current: CurrentState,
  opts: { prune: boolean; actorEmail: string | null; contactMethods: Map<string, string> },
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const exists = (kind: Kind, key: string): boolean => {
    if (desired[kind].has(key)) return true;
    const c = current[kind].get(key);
    if (c?.builtin) return true;
    if (opts.prune) return false;
    return !!c && c.value.disabled !== true;
  };
  const valueOf = (kind: Kind, key: string): Value | undefined =>
    desired[kind].get(key)?.value ?? current[kind].get(key)?.value;
  const at = (o: DesiredObject, field: string, message: string) =>
    problems.push({ file: o.source.file, object: `${KIND_WORD[o.kind]} ${o.key}`, field, message });
  const ref = (o: DesiredObject, kind: Kind, key: string, field: string) => {
    if (!exists(kind, key)) {
      const where = opts.prune ? 'in the files (--prune removes everything else)' : 'in the files or in Muster';
      at(o, field, `no ${KIND_WORD[kind].replace(/_/g, ' ')} ${key} ${where}`);
    }
  };

  for (const o of desired.teams.values()) {
    ((o.value.members ?? []) as { user: string }[]).forEach((m) => ref(o, 'users', m.user, 'members'));
  }
  for (const o of desired.schedules.values()) {
    ref(o, 'teams', String(o.value.team), 'team');
    (o.value.layers as { participants: string[] }[]).forEach((l, i) =>
      l.participants.forEach((p, j) => ref(o, 'users', p, `layers[${i}].participants[${j}]`)),
    );
    ((o.value.overrides ?? []) as { user: string }[]).forEach((x) => ref(o, 'users', x.user, 'overrides'));
  }
  for (const o of desired.escalationPolicies.values()) {
    ref(o, 'teams', String(o.value.team), 'team');
    (o.value.levels as { targets: { user?: string; schedule?: string }[] }[]).forEach((l, i) =>
      l.targets.forEach((t, j) => {
        const field = `levels[${i}].targets[${j}]`;
        if (t.user !== undefined) return ref(o, 'users', t.user, `${field}.user`);
        ref(o, 'schedules', t.schedule!, `${field}.schedule`);
        const s = valueOf('schedules', t.schedule!);
        if (s && s.team !== o.value.team && s.shared !== true) {
          at(
            o,
            `${field}.schedule`,
            `schedule ${t.schedule} belongs to team ${String(s.team)}, which does not share it`,
          );
        }
      }),
    );
  }
  for (const o of desired.services.values()) {
    ref(o, 'teams', String(o.value.team), 'team');
    const policy = o.value.escalationPolicy as string | null;
    if (policy !== null) {
      ref(o, 'escalationPolicies', policy, 'escalationPolicy');
      const p = valueOf('escalationPolicies', policy);
      if (p && p.team !== o.value.team && p.shared !== true) {
        at(o, 'escalationPolicy', `policy ${policy} belongs to team ${String(p.team)}, which does not share it`);
      }
    }
    (o.value.dependsOn as string[]).forEach((s) => {
      if (s === o.key) at(o, 'dependsOn', 'a service cannot depend on itself');
      else ref(o, 'services', s, 'dependsOn');
    });
  }

  for (const o of desired.severityPolicies.values()) {
    const pm = o.value.postmortem as { template: string };
    ref(o, 'postmortemTemplates', pm.template, 'postmortem.template');
  }

  for (const o of desired.runbooks.values()) {
    ref(o, 'teams', String(o.value.team), 'team');
    (o.value.services as string[]).forEach((s) => ref(o, 'services', s, 'services'));
  }

  for (const o of desired.statusPageComponents.values()) {
    (o.value.services as string[]).forEach((s) => ref(o, 'services', s, 'services'));
  }

  for (const o of desired.users.values()) {
    ((o.value.notificationRules ?? []) as { contactMethod: { kind: string; address: string } }[]).forEach((r) => {
      const { kind, address } = r.contactMethod;
      if (!opts.contactMethods.has(contactMethodKey(o.key, kind, address))) {
        at(o, 'notificationRules', `${o.key} has no ${kind} contact method ${address} in Muster (they add it first)`);
      }
    });
  }

  const me = opts.actorEmail;
  if (me) {
    const mine = desired.users.get(me);
    const wasAdmin = current.users.get(me)?.value.admin === true;
    if (mine && wasAdmin && mine.value.admin !== true) {
      at(mine, 'admin', 'you cannot take away your own administrator rights; another administrator can');
    }
    if (!mine && opts.prune && current.users.has(me)) {
      problems.push({
        file: '(every file)',
        object: `user ${me}`,
        field: '',
        message: 'with --prune the files must declare you, or apply would disable your own account',
      });
    }
  }
  return problems;
}
