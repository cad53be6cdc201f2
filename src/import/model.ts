/**
 * Import from PagerDuty, Opsgenie and Grafana OnCall (issue 16, docs/import.md): the shared contract.
 *
 * An importer reads the source organisation over its public API (outside any transaction: network first) and
 * translates it into the config-as-code format (src/config-as-code/schema.ts, ConfigFileDoc). The import then goes the
 * way every config change goes: plan against Muster's current state, and (unless a dry run) apply in one transaction,
 * never pruning. Slugs are derived deterministically from the source's objects, so running an import twice changes
 * nothing the second time. What cannot be mapped is reported, object by object, with the reason: never dropped
 * silently.
 *
 * Proof of fidelity: for every imported schedule the importer also returns the source's OWN rendered final schedule
 * over the next 8 weeks (PagerDuty's rendered_schedule_entries, Opsgenie's timeline, Grafana OnCall's final_shifts);
 * after the apply, Muster's final schedule over the same range is compared minute by minute (src/import/fidelity.ts).
 */
import type { NewIntegrationKey } from '../config-as-code/apply.js';
import type { Plan } from '../config-as-code/model.js';
import type { ConfigFileDoc } from '../config-as-code/schema.js';

export const IMPORT_SOURCES = ['pagerduty', 'opsgenie', 'grafana-oncall'] as const;
export type ImportSource = (typeof IMPORT_SOURCES)[number];

/** The default API base of each source (Opsgenie EU: https://api.eu.opsgenie.com; Grafana OnCall: the stack's URL). */
export const DEFAULT_BASE_URL: Record<ImportSource, string | null> = {
  pagerduty: 'https://api.pagerduty.com',
  opsgenie: 'https://api.opsgenie.com',
  'grafana-oncall': null, // self-hosted or per stack: the caller must give it
};

/** Something in the source that could not be carried over (or only partly), and why. */
export interface Unmapped {
  /** What it was, as the source names it: `schedule "Primary" (PXXXXXX)`, `user ana@example.com`. */
  object: string;
  /** The field or part concerned, when it is one part of the object: `layers[2].restrictions`, `rules[1]`. */
  field?: string;
  /** Why, in plain words: "Opsgenie rotations whose participants are a team are not supported: …". */
  reason: string;
  /** `dropped`: not imported at all; `approximated`: imported with the difference described in `reason`. */
  outcome: 'dropped' | 'approximated';
}

/** One on-call period of a rendered schedule. `users` are emails; an empty list is a gap (nobody on call). */
export interface RenderedEntry {
  start: number; // epoch ms
  end: number; // epoch ms
  users: string[];
}

/** The source's own rendering of one imported schedule, for the fidelity table. */
export interface RenderedSchedule {
  /** The slug the schedule was given in `doc.schedules`. */
  slug: string;
  /** The source's name and id for the report: `Primary (PXXXXXX)`. */
  source: string;
  entries: RenderedEntry[];
}

/** A past incident, for MTTA and MTTR trends across the move (item 4: history). */
export interface ImportedIncident {
  /** The source's id, unique per source: re-importing the same incident changes nothing. */
  externalId: string;
  title: string;
  /** The slug of the imported service it belonged to (in `doc.services`), or null when it is not imported. */
  service: string | null;
  /** P1–P4: from the source's priority when it has one, else high urgency → P2, low → P4 (documented in docs/import.md). */
  severity: 'P1' | 'P2' | 'P3' | 'P4';
  createdAt: number;
  acknowledgedAt: number | null;
  resolvedAt: number | null;
  /** A link back to the incident in the source, when it has one. */
  url: string | null;
}

/** What one importer read from its source. */
export interface SourceSnapshot {
  source: ImportSource;
  /** The organisation in Muster's config-as-code format (never pruned against Muster's other objects). */
  doc: ConfigFileDoc;
  unmapped: Unmapped[];
  /** Rendered schedules over [renderedFrom, renderedTo): one per schedule in `doc.schedules`. */
  rendered: RenderedSchedule[];
  /** Past incidents when asked for (`historyMonths` > 0), else empty. */
  history: ImportedIncident[];
  /** How many requests were made and how many 429s were waited out (the report shows them). */
  requests: { total: number; rateLimited: number };
}

export interface ReadOptions {
  /** The API base URL (no trailing slash needed). */
  baseUrl: string;
  /** The API token; never logged, never stored. */
  token: string;
  /** Now (epoch ms): the fidelity range is [now, now + 8 weeks). */
  now: number;
  renderedFrom: number;
  renderedTo: number;
  /** Import resolved incidents created in the last N months (0: none). */
  historyMonths: number;
  /** The HTTP client every importer uses (src/import/http.ts): pagination helpers, 429 with Retry-After, time-outs. */
  http: ImportHttp;
}

/** The importers' HTTP client (src/import/http.ts). */
export interface ImportHttp {
  /** GET `url` (absolute) with these headers; JSON body. Waits out 429 (Retry-After, bounded); 4xx/5xx → ImportError. */
  getJson<T>(url: string, headers: Record<string, string>): Promise<T>;
  /** The same GET, the answer as text (Grafana OnCall's iCal feeds); optional for clients that only read JSON. */
  getText?(url: string, headers: Record<string, string>): Promise<string>;
  readonly stats: { total: number; rateLimited: number };
}

/** One source: reads everything it needs and translates it. */
export interface Importer {
  source: ImportSource;
  read(opts: ReadOptions): Promise<SourceSnapshot>;
}

/** Fidelity of one schedule over the range: minutes where Muster's on-call set equals the source's. */
export interface FidelityRow {
  schedule: string; // slug
  source: string;
  matchingMinutes: number;
  totalMinutes: number;
  /** 0–100, one decimal. */
  percent: number;
  /** The first few minutes that differ, for the report: when, who the source has, who Muster has. */
  firstDifferences: { at: number; source: string[]; muster: string[] }[];
}

/** What a caller asks for (API body, CLI flags, the web UI's form). */
export interface ImportRequest {
  source: ImportSource;
  token: string;
  /** Defaults to DEFAULT_BASE_URL[source]; required for Grafana OnCall. */
  baseUrl?: string | undefined;
  /**
   * The base URL may resolve to a private address (an on-premises Grafana OnCall). Off by default: the URL goes through
   * the private-address guard when given and when used (src/shared/net.ts); an administrator turns it on knowingly.
   */
  allowPrivateAddress?: boolean | undefined;
  /** Plan only: nothing is written. */
  dryRun: boolean;
  /** Import resolved incidents of the last N months as history (0 or absent: none). */
  historyMonths?: number | undefined;
}

/** The report of one import (API response, CLI output, the web UI's result). */
export interface ImportReport {
  source: ImportSource;
  dryRun: boolean;
  /** The same plan config as code prints (src/config-as-code/model.ts Plan): creates and updates, never deletes. */
  plan: Plan;
  /** Integration keys made by this import, each secret shown once (none on a dry run). */
  integrationKeys: NewIntegrationKey[];
  unmapped: Unmapped[];
  /** One row per imported schedule over the next 8 weeks; empty on a dry run (nothing to compare yet). */
  fidelity: FidelityRow[];
  history: { found: number; imported: number; alreadyImported: number };
  requests: { total: number; rateLimited: number };
}
