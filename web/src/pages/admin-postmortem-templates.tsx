/**
 * Post-mortem templates and the per-severity policy (org admins): a template is ordered sections, each with a title,
 * a kind, a required flag and help text; the policy says, per severity, whether a post-mortem is required, optional
 * or not expected, how many business days it has, and which template it starts from.
 */
import { useState } from 'react';
import { ErrorBanner, Field, useSubmit } from '../components/forms.js';
import { Loadable } from '../components/state.js';
import { DataTable, type Column } from '../components/table.js';
import { Badge, Card, PageHeader } from '../components/ui.js';
import { api } from '../lib/api.js';
import { useUser } from '../lib/session.js';
import { useApi } from '../lib/use-api.js';
import { SEVERITIES } from './incidents/types.js';
import {
  SECTION_KINDS,
  SECTION_KIND_TEXT,
  type Policy,
  type PolicyMode,
  type Template,
  type TemplateSection,
} from './postmortems/types.js';

const MODE_TEXT: Record<PolicyMode, string> = { required: 'Required', optional: 'Optional', none: 'Not expected' };

export function PostmortemTemplatesPage() {
  const user = useUser();
  const templates = useApi<Template[]>('/api/postmortem-templates');
  const policies = useApi<Policy[]>('/api/postmortem-policies');
  const [editing, setEditing] = useState<Template | 'new' | null>(null);

  return (
    <>
      <PageHeader
        title="Post-mortem templates"
        subtitle="The sections every post-mortem starts with, and which severities need one."
        actions={
          user.isAdmin && !editing ? (
            <button type="button" className="btn btn-primary" onClick={() => setEditing('new')}>
              New template
            </button>
          ) : undefined
        }
      />
      {!user.isAdmin && (
        <p className="banner banner-info">Only organisation admins can change templates and policies.</p>
      )}
      {editing && (
        <TemplateForm
          key={editing === 'new' ? 'new' : editing.id}
          template={editing === 'new' ? null : editing}
          onDone={() => {
            setEditing(null);
            templates.reload();
          }}
        />
      )}
      <Card title="Templates" className="card-flush">
        <Loadable resource={templates} what="templates" isEmpty={(d) => d.length === 0}>
          {(d) => (
            <DataTable
              label="Templates"
              rows={d}
              rowKey={(t) => t.id}
              rowData={(t) => ({ 'data-template-id': t.id })}
              columns={templateColumns(user.isAdmin, setEditing)}
            />
          )}
        </Loadable>
      </Card>
      <Card title="Policy per severity" className="card-flush">
        <Loadable resource={policies} what="policies" isEmpty={(d) => d.length === 0}>
          {(d) => (
            <div className="pm-policies">
              {[...d]
                .sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity))
                .map((p) => (
                  <PolicyRow
                    key={p.severity}
                    policy={p}
                    templates={templates.data ?? []}
                    canEdit={user.isAdmin}
                    onSaved={policies.reload}
                  />
                ))}
            </div>
          )}
        </Loadable>
      </Card>
    </>
  );
}

function templateColumns(isAdmin: boolean, edit: (t: Template) => void): Column<Template>[] {
  const cols: Column<Template>[] = [
    {
      id: 'name',
      header: 'Template',
      sortValue: (t) => t.name.toLowerCase(),
      cell: (t) => (
        <>
          <span className="strong">{t.name}</span> {t.isBuiltin && <Badge>built-in</Badge>}
          {t.description && <div className="muted small">{t.description}</div>}
        </>
      ),
    },
    {
      id: 'sections',
      header: 'Sections',
      cell: (t) => (
        <span className="small">
          {t.sections.map((s, i) => (
            <span key={s.key}>
              {i > 0 && ', '}
              {s.title}
              {s.required && '*'}
            </span>
          ))}
        </span>
      ),
    },
  ];
  if (isAdmin)
    cols.push({
      id: 'actions',
      header: 'Actions',
      headerHidden: true,
      align: 'actions',
      cell: (t) => (
        <button type="button" className="btn btn-small" onClick={() => edit(t)}>
          Edit
        </button>
      ),
    });
  return cols;
}

function slug(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 40) || 'section'
  );
}

function TemplateForm({ template, onDone }: { template: Template | null; onDone: () => void }) {
  const [name, setName] = useState(template?.name ?? '');
  const [description, setDescription] = useState(template?.description ?? '');
  const [sections, setSections] = useState<TemplateSection[]>(
    template?.sections ?? [{ key: 'summary', title: 'Summary', kind: 'text', required: true, help: '' }],
  );
  // Keys of sections that existed before this edit stay as they are (post-mortems refer to them).
  const fixedKeys = new Set(template?.sections.map((s) => s.key) ?? []);

  const update = (i: number, change: Partial<TemplateSection>) =>
    setSections((ss) =>
      ss.map((s, j) => {
        if (j !== i) return s;
        const next = { ...s, ...change };
        if (change.title !== undefined && !fixedKeys.has(s.key)) next.key = uniqueKey(slug(change.title), ss, j);
        return next;
      }),
    );
  const move = (i: number, by: -1 | 1) =>
    setSections((ss) => {
      const j = i + by;
      if (j < 0 || j >= ss.length) return ss;
      const next = [...ss];
      [next[i], next[j]] = [next[j]!, next[i]!];
      return next;
    });

  const save = useSubmit(async () => {
    const body = { name: name.trim(), description: description.trim(), sections };
    if (template) await api.put(`/api/postmortem-templates/${encodeURIComponent(template.id)}`, body);
    else await api.post('/api/postmortem-templates', body);
    onDone();
  });
  const archive = useSubmit(async () => {
    if (template) await api.del(`/api/postmortem-templates/${encodeURIComponent(template.id)}`);
    onDone();
  });

  return (
    <Card title={template ? `Edit ${template.name}` : 'New template'}>
      <form aria-label="Template" onSubmit={save.onSubmit}>
        <Field label="Name" htmlFor="tpl-name" error={save.fieldError('name')}>
          <input id="tpl-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={100} />
        </Field>
        <Field label="Description" htmlFor="tpl-description" error={save.fieldError('description')}>
          <input id="tpl-description" value={description} onChange={(e) => setDescription(e.target.value)} />
        </Field>
        <div className="label-like">Sections, in order</div>
        <ol className="pm-tpl-sections">
          {sections.map((s, i) => (
            <li key={i} className="pm-tpl-section" data-section-index={i}>
              <div className="pm-entry-fields">
                <Field label="Title" htmlFor={`tpl-s${i}-title`}>
                  <input
                    id={`tpl-s${i}-title`}
                    value={s.title}
                    onChange={(e) => update(i, { title: e.target.value })}
                  />
                </Field>
                <Field label="Kind" htmlFor={`tpl-s${i}-kind`}>
                  <select
                    id={`tpl-s${i}-kind`}
                    value={s.kind}
                    onChange={(e) => update(i, { kind: e.target.value as TemplateSection['kind'] })}
                  >
                    {SECTION_KINDS.map((k) => (
                      <option key={k} value={k}>
                        {SECTION_KIND_TEXT[k]}
                      </option>
                    ))}
                  </select>
                </Field>
              </div>
              <Field label="Help text" htmlFor={`tpl-s${i}-help`}>
                <textarea
                  id={`tpl-s${i}-help`}
                  rows={2}
                  value={s.help}
                  onChange={(e) => update(i, { help: e.target.value })}
                />
              </Field>
              <div className="pm-tpl-row">
                <label className="check" htmlFor={`tpl-s${i}-required`}>
                  <input
                    id={`tpl-s${i}-required`}
                    type="checkbox"
                    checked={s.required}
                    onChange={(e) => update(i, { required: e.target.checked })}
                  />{' '}
                  Required
                </label>
                <span className="row-actions push-right">
                  <button
                    type="button"
                    className="btn btn-small btn-ghost"
                    disabled={i === 0}
                    onClick={() => move(i, -1)}
                  >
                    Move up
                  </button>
                  <button
                    type="button"
                    className="btn btn-small btn-ghost"
                    disabled={i === sections.length - 1}
                    onClick={() => move(i, 1)}
                  >
                    Move down
                  </button>
                  <button
                    type="button"
                    className="btn btn-small btn-ghost-danger"
                    disabled={sections.length === 1}
                    onClick={() => setSections((ss) => ss.filter((_, j) => j !== i))}
                  >
                    Remove
                  </button>
                </span>
              </div>
            </li>
          ))}
        </ol>
        <button
          type="button"
          className="btn btn-small"
          onClick={() =>
            setSections((ss) => [
              ...ss,
              { key: uniqueKey('section', ss, -1), title: '', kind: 'text', required: false, help: '' },
            ])
          }
        >
          Add section
        </button>
        <ErrorBanner error={save.error ?? archive.error} fields={['name', 'description']} />
        <div className="form-actions pm-wrap-actions subform">
          <button
            type="submit"
            className="btn btn-primary"
            disabled={save.busy || !name.trim() || sections.some((s) => !s.title.trim())}
          >
            {save.busy ? 'Saving…' : 'Save template'}
          </button>
          <button type="button" className="btn btn-ghost" onClick={onDone}>
            Cancel
          </button>
          {template && !template.isBuiltin && (
            <span className="push-right">
              <button
                type="button"
                className="btn btn-small btn-ghost-danger"
                disabled={archive.busy}
                onClick={() => void archive.run()}
              >
                Archive template
              </button>
            </span>
          )}
        </div>
      </form>
    </Card>
  );
}

function uniqueKey(base: string, sections: TemplateSection[], self: number): string {
  const taken = new Set(sections.filter((_, j) => j !== self).map((s) => s.key));
  let key = base;
  for (let n = 2; taken.has(key); n++) key = `${base}_${n}`;
  return key;
}

function PolicyRow({
  policy,
  templates,
  canEdit,
  onSaved,
}: {
  policy: Policy;
  templates: Template[];
  canEdit: boolean;
  onSaved: () => void;
}) {
  const [mode, setMode] = useState<PolicyMode>(policy.mode);
  const [days, setDays] = useState(policy.dueBusinessDays === null ? '' : String(policy.dueBusinessDays));
  const [templateId, setTemplateId] = useState(policy.templateId);
  const dirty =
    mode !== policy.mode ||
    days !== (policy.dueBusinessDays === null ? '' : String(policy.dueBusinessDays)) ||
    templateId !== policy.templateId;
  const save = useSubmit(async () => {
    await api.put(`/api/postmortem-policies/${policy.severity}`, {
      mode,
      dueBusinessDays: days === '' ? null : Number(days),
      templateId,
    });
    onSaved();
  });
  const id = `policy-${policy.severity}`;
  return (
    <form
      className="pm-policy"
      aria-label={`Policy for ${policy.severity}`}
      onSubmit={save.onSubmit}
      data-severity={policy.severity}
    >
      <div className="strong pm-policy-sev">{policy.severity}</div>
      <Field label="Post-mortem" htmlFor={`${id}-mode`} error={save.fieldError('mode')}>
        <select
          id={`${id}-mode`}
          value={mode}
          disabled={!canEdit}
          onChange={(e) => setMode(e.target.value as PolicyMode)}
        >
          {(Object.keys(MODE_TEXT) as PolicyMode[]).map((m) => (
            <option key={m} value={m}>
              {MODE_TEXT[m]}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Due in business days" htmlFor={`${id}-days`} error={save.fieldError('dueBusinessDays')}>
        <input
          id={`${id}-days`}
          type="number"
          min={1}
          max={60}
          value={days}
          disabled={!canEdit || mode === 'none'}
          onChange={(e) => setDays(e.target.value)}
        />
      </Field>
      <Field label="Template" htmlFor={`${id}-template`} error={save.fieldError('templateId')}>
        <select
          id={`${id}-template`}
          value={templateId}
          disabled={!canEdit}
          onChange={(e) => setTemplateId(e.target.value)}
        >
          {templates.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </select>
      </Field>
      {canEdit && (
        <div className="pm-policy-save">
          <button type="submit" className="btn btn-small btn-primary" disabled={!dirty || save.busy}>
            Save {policy.severity}
          </button>
        </div>
      )}
      {save.error ? (
        <div className="pm-policy-error">
          <ErrorBanner error={save.error} fields={['mode', 'dueBusinessDays', 'templateId']} />
        </div>
      ) : null}
    </form>
  );
}
