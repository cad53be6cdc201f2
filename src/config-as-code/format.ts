/** A plan as people read it, Terraform-style: `+` create, `~` update with each field's old and new value, `-` delete. */
import { KIND_WORD, type Plan } from './model.js';

const show = (v: unknown): string => (v === undefined ? '(none)' : JSON.stringify(v));

export function formatPlan(plan: Plan, opts: { prune: boolean }): string {
  const lines: string[] = [];
  const sign = { create: '+', update: '~', delete: '-' } as const;
  for (const c of plan.changes) {
    lines.push(`${sign[c.action]} ${KIND_WORD[c.kind]} ${c.key}`);
    for (const f of c.fields) {
      if (c.action === 'create') lines.push(`    + ${f.field}: ${show(f.to)}`);
      else lines.push(`    ~ ${f.field}: ${show(f.from)} -> ${show(f.to)}`);
    }
  }
  if (plan.unmanaged.length) {
    lines.push('');
    lines.push('Not managed: kept (in Muster, not in the files; --prune would delete them):');
    for (const u of plan.unmanaged) lines.push(`  ${KIND_WORD[u.kind]} ${u.key}`);
  }
  const s = plan.summary;
  lines.push('');
  lines.push(
    plan.changes.length === 0
      ? `No changes. Muster matches the files.${s.unmanaged ? ` ${s.unmanaged} not managed: kept.` : ''}`
      : `Plan: ${s.create} to create, ${s.update} to update, ${s.delete} to delete${opts.prune ? '' : `, ${s.unmanaged} not managed: kept`}.`,
  );
  return lines.join('\n') + '\n';
}
