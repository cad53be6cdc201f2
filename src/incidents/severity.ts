/**
 * Severity as the seed defines it: customer impact, never technical complexity. A simple DNS misconfiguration that
 * takes the product down is P1; a hard distributed-systems bug that only touches internal dashboards is P3.
 * Pure functions: the questionnaire a responder answers and the severity it proposes, and the per-severity policy.
 */
export const SEVERITIES = ['P1', 'P2', 'P3', 'P4'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const isSeverity = (v: string): v is Severity => (SEVERITIES as readonly string[]).includes(v);

/** One line per severity, in the seed's words, for the UI, the CLI and the API docs. */
export const SEVERITY_DEFINITIONS: Record<Severity, { title: string; meaning: string[] }> = {
  P1: {
    title: 'Customer impact, revenue loss',
    meaning: [
      'Users cannot complete core workflows',
      'Data integrity is compromised',
      'Revenue-generating systems are down',
      'All hands on deck, IC assigned immediately',
    ],
  },
  P2: {
    title: 'Degraded experience, partial impact',
    meaning: [
      'System is functional but degraded',
      'Subset of users affected',
      'Workarounds exist but are not acceptable long-term',
      'On-call team responds, IC assigned if not resolved in 30 minutes',
    ],
  },
  P3: {
    title: 'Internal impact, no customer effect',
    meaning: [
      'Internal tooling degraded',
      'Non-critical systems affected',
      'Can be addressed during business hours',
      'On-call acknowledges, schedules fix',
    ],
  },
  P4: {
    title: 'Cosmetic or minor issues',
    meaning: ['No functional impact', 'Tracked as regular engineering work'],
  },
};

/**
 * The assessment questionnaire. Every answer is optional: an unanswered question never raises the severity.
 * There is deliberately no "how hard is the bug" question.
 */
export interface SeverityAssessment {
  /** Can users complete core workflows (sign in, pay, use the product's main function)? */
  canUsersCompleteCoreWorkflows?: boolean | undefined;
  /** Is data integrity at risk (loss, corruption, data shown to the wrong customer)? */
  isDataIntegrityAtRisk?: boolean | undefined;
  /** Are revenue-generating systems down? */
  areRevenueSystemsDown?: boolean | undefined;
  /** Is only a subset of users affected (one region, one plan, some requests)? */
  isSubsetOfUsers?: boolean | undefined;
  /** Is there a workaround customers can use? */
  hasWorkaround?: boolean | undefined;
  /** Is the impact internal only (internal tooling, non-critical systems), with no customer effect? */
  isInternalOnly?: boolean | undefined;
  /** Is it cosmetic, with no functional impact? */
  isCosmetic?: boolean | undefined;
}

export const ASSESSMENT_QUESTIONS: Record<keyof SeverityAssessment, string> = {
  canUsersCompleteCoreWorkflows: 'Can users complete core workflows?',
  isDataIntegrityAtRisk: 'Is data integrity at risk?',
  areRevenueSystemsDown: 'Are revenue-generating systems down?',
  isSubsetOfUsers: 'Is only a subset of users affected?',
  hasWorkaround: 'Is there a workaround?',
  isInternalOnly: 'Is the impact internal only, with no customer effect?',
  isCosmetic: 'Is it cosmetic, with no functional impact?',
};

export interface ProposedSeverity {
  severity: Severity;
  /** Why, in the seed's words: one line per answer that decided it. */
  reasons: string[];
}

/** The severity the answers point to. Customer impact decides; the first matching rule wins, P1 first. */
export function proposeSeverity(a: SeverityAssessment): ProposedSeverity {
  const p1: string[] = [];
  if (a.isDataIntegrityAtRisk === true) p1.push('Data integrity is compromised');
  if (a.areRevenueSystemsDown === true) p1.push('Revenue-generating systems are down');
  const coreBlocked = a.canUsersCompleteCoreWorkflows === false;
  if (coreBlocked && a.isSubsetOfUsers !== true && a.hasWorkaround !== true) {
    p1.push('Users cannot complete core workflows');
  }
  if (p1.length) return { severity: 'P1', reasons: p1 };

  const p2: string[] = [];
  if (coreBlocked && a.isSubsetOfUsers === true) p2.push('Core workflows fail for a subset of users');
  else if (coreBlocked && a.hasWorkaround === true)
    p2.push('Core workflows fail but a workaround exists (not acceptable long-term)');
  else if (a.isSubsetOfUsers === true && a.isInternalOnly !== true && a.isCosmetic !== true) {
    p2.push('Subset of users affected');
  }
  if (p2.length) return { severity: 'P2', reasons: p2 };

  if (a.isCosmetic === true) return { severity: 'P4', reasons: ['No functional impact (cosmetic)'] };
  if (a.isInternalOnly === true) return { severity: 'P3', reasons: ['Internal impact, no customer effect'] };
  if (a.canUsersCompleteCoreWorkflows === true) {
    return { severity: 'P3', reasons: ['Users can complete core workflows; no customer impact stated'] };
  }
  return { severity: 'P3', reasons: ['No customer impact stated; answer the questions to confirm'] };
}

// ---- per-severity policy ---------------------------------------------------------------------------------------

export const ROLES = ['commander', 'technical_lead', 'communications_lead'] as const;
export type IncidentRole = (typeof ROLES)[number];
export const isIncidentRole = (v: string): v is IncidentRole => (ROLES as readonly string[]).includes(v);
export const ROLE_NAMES: Record<IncidentRole, string> = {
  commander: 'Incident Commander',
  technical_lead: 'Technical Lead',
  communications_lead: 'Communications Lead',
};

/** What each severity demands. Stored per severity (incident_severity_policies) and editable by administrators. */
export interface SeverityPolicy {
  severity: Severity;
  /** All three roles filled by three different people ("for anything P1 or above, separation is critical"). */
  requireDistinctRoles: boolean;
  /** Page and record on the timeline when no Incident Commander is assigned this long after declaration. */
  commanderDeadlineMinutes: number | null;
  /** Remind the Communications Lead to post a status update this often while unresolved. */
  updateReminderMinutes: number | null;
  /** Whether this severity pages people outside business hours (P3/P4: "can be addressed during business hours"). */
  pagesOutOfHours: boolean;
}

export const DEFAULT_POLICIES: Record<Severity, SeverityPolicy> = {
  P1: {
    severity: 'P1',
    requireDistinctRoles: true,
    // "IC assigned immediately": checked at declaration, paging the IC rotation when there is none.
    commanderDeadlineMinutes: 0,
    updateReminderMinutes: 30,
    pagesOutOfHours: true,
  },
  P2: {
    severity: 'P2',
    requireDistinctRoles: false,
    commanderDeadlineMinutes: 30,
    updateReminderMinutes: 60,
    pagesOutOfHours: true,
  },
  P3: {
    severity: 'P3',
    requireDistinctRoles: false,
    commanderDeadlineMinutes: null,
    updateReminderMinutes: null,
    pagesOutOfHours: false,
  },
  P4: {
    severity: 'P4',
    requireDistinctRoles: false,
    commanderDeadlineMinutes: null,
    updateReminderMinutes: null,
    pagesOutOfHours: false,
  },
};

export interface RoleWarning {
  code: 'commander_missing' | 'roles_missing' | 'roles_not_distinct';
  message: string;
  roles: IncidentRole[];
}

/** Warnings about the command structure, per the policy: empty when it is as the severity demands. */
export function roleWarnings(
  policy: SeverityPolicy,
  holders: Partial<Record<IncidentRole, string | null>>,
  isResolved: boolean,
): RoleWarning[] {
  if (isResolved) return [];
  const out: RoleWarning[] = [];
  if (policy.severity === 'P1' && !holders.commander) {
    out.push({
      code: 'commander_missing',
      message: 'P1: assign an Incident Commander immediately.',
      roles: ['commander'],
    });
  }
  if (!policy.requireDistinctRoles) return out;
  const missing = ROLES.filter((r) => !holders[r]);
  if (missing.length) {
    out.push({
      code: 'roles_missing',
      message: `${policy.severity} needs all three roles: ${missing.map((r) => ROLE_NAMES[r]).join(', ')} not assigned.`,
      roles: missing,
    });
  }
  const byUser = new Map<string, IncidentRole[]>();
  for (const r of ROLES) {
    const u = holders[r];
    if (u) byUser.set(u, [...(byUser.get(u) ?? []), r]);
  }
  for (const roles of byUser.values()) {
    if (roles.length > 1) {
      out.push({
        code: 'roles_not_distinct',
        message: `${policy.severity} needs three different people: one person holds ${roles.map((r) => ROLE_NAMES[r]).join(' and ')}.`,
        roles,
      });
    }
  }
  return out;
}

/**
 * Whether an incident of this severity may page people now. P3/P4 default to business hours only ("can be addressed
 * during business hours"); the caller (escalation) decides what working hours are for the person or team paged.
 */
export function mayPageNow(policy: SeverityPolicy, isWithinWorkingHours: boolean): boolean {
  return policy.pagesOutOfHours || isWithinWorkingHours;
}
