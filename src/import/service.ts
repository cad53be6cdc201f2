/**
 * The import (issue 16, docs/import.md): read a PagerDuty, Opsgenie or Grafana OnCall organisation over its API, plan
 * it as configuration as code (never pruning), and unless a dry run apply it in one transaction with its history and
 * one audit entry; then compare every imported schedule's final schedule with the source's own rendering over the next
 * 8 weeks (fidelity). Organisation administrators only. The source is read before any transaction (network first);
 * the token is used for the source's requests only, never logged or stored.
 */
import { stringify as stringifyYaml } from 'yaml';
import type { Db } from '../db/index.js';
import { readCurrent } from '../config-as-code/current.js';
import type { CurrentState } from '../config-as-code/model.js';
import type { ConfigFileDoc } from '../config-as-code/schema.js';
import { ConfigCodeService } from '../config-as-code/service.js';
import { recordAudit, type Actor } from '../identity/index.js';
import type { Clock } from '../shared/clock.js';
import { AppError, forbidden, validationError, type FieldProblem } from '../shared/errors.js';
import { outboundUrlProblem, resolveAll, type ResolveAll } from '../shared/net.js';
import { fidelity, musterFinalBySlug } from './fidelity.js';
import { importHistory, previewHistory, sourceName, type HistoryOutcome } from './history.js';
import { createImportHttp } from './http.js';
import {
  DEFAULT_BASE_URL,
  IMPORT_SOURCES,
  type Importer,
  type ImportReport,
  type ImportRequest,
  type ImportSource,
} from './model.js';
import { IMPORTERS } from './sources.js';

/** The fidelity range: the next 8 weeks. */
export const FIDELITY_RANGE_MS = 8 * 7 * 24 * 3_600_000;
export const MAX_HISTORY_MONTHS = 24;

export class ImportService {
  private readonly configCode: ConfigCodeService;

  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      publicUrl: string;
      /** The resolver the private-address guard uses (tests pass their own). */
      resolve?: ResolveAll | undefined;
      /** The importers by source (default: the registry, src/import/sources.ts). */
      importers?: Partial<Record<ImportSource, Importer>>;
    },
  ) {
    this.configCode = new ConfigCodeService({ db: deps.db, clock: deps.clock, publicUrl: deps.publicUrl });
  }

  async run(actor: Actor, req: ImportRequest): Promise<ImportReport> {
    if (!actor.isAdmin) throw forbidden('Only organisation administrators import from another tool.');
    const { source, baseUrl, historyMonths } = await this.validate(req);
    const importer = (this.deps.importers ?? IMPORTERS)[source];
    if (!importer) {
      throw new AppError('import_source_unavailable', `Import from ${sourceName(source)} is not available.`, {
        status: 400,
      });
    }
    const allowPrivateAddress = req.allowPrivateAddress ?? false;
    const now = this.deps.clock.now();
    const from = now;
    const to = now + FIDELITY_RANGE_MS;
    const http = createImportHttp({ allowPrivateAddress, resolve: this.deps.resolve });
    // Network first, outside any transaction.
    const snapshot = await importer.read({
      baseUrl,
      token: req.token,
      now,
      renderedFrom: from,
      renderedTo: to,
      historyMonths,
      http,
    });
    const current = await readCurrent(this.deps.db.kysely, now);
    const doc = addingOnly(snapshot.doc, current.state);
    const files = [{ path: `${source}.yaml`, content: stringifyYaml(doc) }];
    const requests = { total: http.stats.total, rateLimited: http.stats.rateLimited };
    if (req.dryRun) {
      const plan = await this.configCode.plan(actor, files, { prune: false });
      return {
        source,
        dryRun: true,
        plan,
        integrationKeys: [],
        unmapped: snapshot.unmapped,
        fidelity: [],
        history: await previewHistory(this.deps.db.kysely, source, snapshot.history),
        requests,
      };
    }
    let history: HistoryOutcome = { found: snapshot.history.length, imported: 0, alreadyImported: 0 };
    const outcome = await this.configCode.apply(actor, files, {
      prune: false,
      alsoInTransaction: async (trx, applied) => {
        history = await importHistory(trx, source, snapshot.history, now);
        await recordAudit(
          trx,
          actor,
          'import.applied',
          { type: 'import', id: null },
          {
            source,
            baseUrl,
            ...applied.plan.summary,
            integrationKeys: applied.integrationKeys.length,
            unmapped: snapshot.unmapped.length,
            history,
            requests,
          },
          now,
        );
      },
    });
    const final = await musterFinalBySlug(
      this.deps.db.kysely,
      snapshot.rendered.map((r) => r.slug),
      from,
      to,
    );
    return {
      source,
      dryRun: false,
      plan: outcome.plan,
      integrationKeys: outcome.integrationKeys,
      unmapped: snapshot.unmapped,
      fidelity: fidelity(snapshot.rendered, final, from, to),
      history,
      requests,
    };
  }

  /** The request's fields, each problem named by its field (400). */
  private async validate(
    req: ImportRequest,
  ): Promise<{ source: ImportSource; baseUrl: string; historyMonths: number }> {
    const problems: FieldProblem[] = [];
    const source = req.source;
    if (!(IMPORT_SOURCES as readonly string[]).includes(source)) {
      throw validationError([{ field: 'source', message: `must be one of ${IMPORT_SOURCES.join(', ')}` }]);
    }
    if (!req.token.trim()) problems.push({ field: 'token', message: 'must not be empty' });
    const historyMonths = req.historyMonths ?? 0;
    if (!Number.isInteger(historyMonths) || historyMonths < 0 || historyMonths > MAX_HISTORY_MONTHS) {
      problems.push({ field: 'historyMonths', message: `must be a whole number from 0 to ${MAX_HISTORY_MONTHS}` });
    }
    const given = req.baseUrl?.trim() || DEFAULT_BASE_URL[source];
    let baseUrl = '';
    if (!given) {
      problems.push({ field: 'baseUrl', message: `is required for ${sourceName(source)} (the stack's URL)` });
    } else {
      let u: URL | null = null;
      try {
        u = new URL(given);
      } catch {
        u = null;
      }
      if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) {
        problems.push({ field: 'baseUrl', message: 'must be an http(s) URL' });
      } else if (u.username || u.password) {
        problems.push({ field: 'baseUrl', message: 'must not hold a user name or password (give the token)' });
      } else if (u.search || u.hash) {
        problems.push({ field: 'baseUrl', message: 'must not hold a query or fragment' });
      } else {
        baseUrl = given.replace(/\/+$/, '');
        if (!req.allowPrivateAddress) {
          const problem = await outboundUrlProblem(baseUrl, this.deps.resolve ?? resolveAll);
          if (problem) problems.push({ field: 'baseUrl', message: problem });
        }
      }
    }
    if (problems.length) throw validationError(problems);
    return { source, baseUrl, historyMonths };
  }
}

/**
 * An import adds to Muster and updates what it imports; it never takes away. Config as code reads a user without
 * `admin` as "not an administrator" and a team's `members` as exactly these, so without this an import would demote
 * an administrator who is a plain user in the source (and refuse the whole import when that is the person running
 * it) and remove the members of a team of the same slug whom the source does not list. Kept: an existing
 * administrator stays one; a team keeps its members the source does not name (with their role).
 */
export function addingOnly(doc: ConfigFileDoc, current: CurrentState): ConfigFileDoc {
  const users = doc.users?.map((u) => {
    const now = current.users.get(u.email.toLowerCase())?.value;
    return now?.admin === true && u.admin !== true ? { ...u, admin: true } : u;
  });
  const teams = doc.teams?.map((t) => {
    const have = current.teams.get(t.slug)?.value.members as { user: string; role: string }[] | undefined;
    if (!t.members || !have?.length) return t;
    const named = new Set(t.members.map((m) => m.user.toLowerCase()));
    const kept = have.filter((m) => !named.has(m.user.toLowerCase()));
    return kept.length
      ? {
          ...t,
          members: [
            ...t.members,
            ...kept.map((m) => ({ user: m.user, role: m.role as (typeof t.members)[number]['role'] })),
          ],
        }
      : t;
  });
  return { ...doc, ...(users ? { users } : {}), ...(teams ? { teams } : {}) };
}
