/**
 * Alert-quality reports: per alert rule (rule key: the alertname label, else PagerDuty's class, else the alert's
 * name) and per service, over a window of alert creation times (default the last 4 weeks). The maths is
 * computeQuality in model.ts; this file only reads the rows.
 */
import { sql } from 'kysely';
import type { Db } from '../db/index.js';
import type { Clock } from '../shared/clock.js';
import { DAY } from '../shared/clock.js';
import { computeQuality, type Classification, type QualitySample, type QualityStats } from './model.js';

export const DEFAULT_QUALITY_WINDOW_MS = 28 * DAY;

export interface RuleQuality extends QualityStats {
  ruleKey: string;
  serviceIds: string[];
}

export interface ServiceQuality extends QualityStats {
  serviceId: string;
  serviceName: string;
  serviceSlug: string;
  /** Rule keys of this service above the noise threshold. */
  noisyRules: string[];
}

export interface QualityQuery {
  windowMs?: number | undefined;
  serviceId?: string | undefined;
  minClassified?: number | undefined;
}

export class AlertQualityService {
  constructor(private readonly deps: { db: Db; clock: Clock }) {}

  private async samples(q: QualityQuery): Promise<{ since: number; until: number; samples: QualitySample[] }> {
    const until = this.deps.clock.now();
    const since = until - (q.windowMs ?? DEFAULT_QUALITY_WINDOW_MS);
    let query = this.deps.db.kysely
      .selectFrom('alerts')
      .select(['ruleKey', 'serviceId', 'createdAt', 'pagedAt', 'acknowledgedAt', 'classification'])
      .where('createdAt', '>=', since)
      .where('createdAt', '<=', until)
      // A game day's drill alerts say nothing about the monitors' noise.
      // `+` keeps SQLite from planning on is_drill (it built an automatic index over every alert).
      .where(sql`+is_drill`, '=', 0);
    if (q.serviceId) query = query.where('serviceId', '=', q.serviceId);
    const rows = await query.execute();
    const samples = rows.map((r) => ({ ...r, classification: r.classification as Classification | null }));
    return { since, until, samples };
  }

  /** Worst first: rules above the noise threshold, then by share of noise, then by pages. */
  async rules(q: QualityQuery = {}): Promise<{ since: number; until: number; rules: RuleQuality[] }> {
    const { since, until, samples } = await this.samples(q);
    const stats = computeQuality(samples, (s) => s.ruleKey, { minClassified: q.minClassified });
    const rules = stats.map((s) => ({
      ...s,
      ruleKey: s.key,
      serviceIds: [...new Set(samples.filter((x) => x.ruleKey === s.key).map((x) => x.serviceId))].sort(),
    }));
    return { since, until, rules };
  }

  async services(q: QualityQuery = {}): Promise<{ since: number; until: number; services: ServiceQuality[] }> {
    const { since, until, samples } = await this.samples(q);
    const names = new Map(
      (await this.deps.db.kysely.selectFrom('services').select(['id', 'name', 'slug']).execute()).map((s) => [s.id, s]),
    );
    const stats = computeQuality(samples, (s) => s.serviceId, { minClassified: q.minClassified });
    const services = stats.map((s) => {
      const own = samples.filter((x) => x.serviceId === s.key);
      const noisyRules = computeQuality(own, (x) => x.ruleKey, { minClassified: q.minClassified })
        .filter((r) => r.isNoisy)
        .map((r) => r.key);
      const svc = names.get(s.key);
      return { ...s, serviceId: s.key, serviceName: svc?.name ?? '', serviceSlug: svc?.slug ?? '', noisyRules };
    });
    return { since, until, services };
  }
}
