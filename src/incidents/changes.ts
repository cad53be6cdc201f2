/**
 * Recent changes ranked for an incident: "over 70% of incidents are caused by recent changes". Pure: the caller
 * loads the change events of the affected services and their dependencies; this decides the order.
 */
export type ChangeKind = 'deploy' | 'config' | 'infra' | 'other';

/** The fields the ranking needs from a change event (src/changes' row has more). */
export interface ChangeEvent {
  id: string;
  serviceId: string;
  summary: string;
  source: string;
  at: number;
  details: Record<string, unknown>;
  links: unknown;
}

export type ChangeRelation = 'affected_service' | 'dependency';

export interface RankedChange extends ChangeEvent {
  kind: ChangeKind;
  relation: ChangeRelation;
  /** Hops from an affected service: 0 for the service itself, 1 for a direct dependency. */
  distance: number;
  score: number;
  reasons: string[];
}

const KIND_PATTERNS: [ChangeKind, RegExp][] = [
  ['deploy', /\b(deploy(ed|ment|ing)?|release[ds]?|rollout|roll(ed)? out|rollback|version|image|build|merge[ds]?)\b/i],
  ['config', /\b(config(uration)?|feature[ -]?flag|flag|setting|toggle|env(ironment)? var)/i],
  [
    'infra',
    /\b(infra(structure)?|terraform|node|cluster|scal(e|ed|ing)|dns|network|database|migration|kubernetes|k8s|instance|certificate)\b/i,
  ],
];

/** Classify a change from an explicit type in its details (type/kind/change_type) or else from its words. */
export function classifyChange(c: Pick<ChangeEvent, 'summary' | 'source' | 'details'>): ChangeKind {
  const d = c.details;
  const custom = (d.custom_details ?? d.customDetails) as Record<string, unknown> | undefined;
  const explicit = [d.type, d.kind, d.change_type, d.changeType, custom?.type, custom?.kind]
    .filter((v): v is string => typeof v === 'string')
    .join(' ');
  for (const text of [explicit, `${c.summary} ${c.source}`]) {
    if (!text.trim()) continue;
    for (const [kind, re] of KIND_PATTERNS) if (re.test(text)) return kind;
  }
  return 'other';
}

const RELATION_WEIGHT: Record<ChangeRelation, number> = { affected_service: 200, dependency: 100 };
const KIND_WEIGHT: Record<ChangeKind, number> = { deploy: 15, config: 10, infra: 5, other: 0 };
const RECENCY_WEIGHT = 40;

/**
 * Order: a change to an affected service always ranks above a change to a dependency; within that, closeness in
 * time to the start of impact weighs most (up to 40 points across the window), then the kind (deploy 15 > config 10
 * > infra 5), so a config change a minute before impact beats a deploy two hours earlier.
 */
export function rankChanges(
  changes: ChangeEvent[],
  ctx: { serviceDistance: Map<string, number>; referenceAt: number; windowMs: number },
): RankedChange[] {
  const ranked: RankedChange[] = [];
  for (const c of changes) {
    const distance = ctx.serviceDistance.get(c.serviceId);
    if (distance === undefined) continue;
    const relation: ChangeRelation = distance === 0 ? 'affected_service' : 'dependency';
    const kind = classifyChange(c);
    const gap = Math.abs(ctx.referenceAt - c.at);
    const recency = Math.max(0, 1 - gap / Math.max(1, ctx.windowMs));
    const score =
      RELATION_WEIGHT[relation] - (distance > 1 ? distance - 1 : 0) + KIND_WEIGHT[kind] + RECENCY_WEIGHT * recency;
    const minutes = Math.round(gap / 60000);
    const when = c.at <= ctx.referenceAt ? `${minutes} min before impact` : `${minutes} min after impact started`;
    const reasons = [
      relation === 'affected_service' ? 'changed an affected service' : `changed a dependency (${distance} hop)`,
      when,
      `${kind} change`,
    ];
    ranked.push({ ...c, kind, relation, distance, score: Math.round(score * 100) / 100, reasons });
  }
  return ranked.sort((a, b) => b.score - a.score || b.at - a.at || a.id.localeCompare(b.id));
}

/** Breadth-first walk of "depends on" edges from the affected services: service id → hops (0 = affected). */
export function serviceDistances(
  affected: string[],
  dependsOn: (serviceId: string) => string[],
  maxDepth = 2,
): Map<string, number> {
  const dist = new Map<string, number>(affected.map((s) => [s, 0]));
  let frontier = [...affected];
  for (let depth = 1; depth <= maxDepth && frontier.length; depth++) {
    const next: string[] = [];
    for (const s of frontier) {
      for (const d of dependsOn(s)) {
        if (dist.has(d)) continue;
        dist.set(d, depth);
        next.push(d);
      }
    }
    frontier = next;
  }
  return dist;
}
