/**
 * The public status page as one server-rendered HTML document: no JavaScript, semantic landmarks and headings,
 * statuses in words (colour only repeats them), times in <time>. Every piece of user text is escaped; update text is
 * shown as plain text with its line breaks (no Markdown is rendered).
 */
import { COMPONENT_STATUS_LABELS, PUBLIC_STATUS_LABELS, daysWithIncidents, type ComponentStatus } from './model.js';
import type { PublicIncidentView, PublicMaintenanceView, PublicStatusView, PublicUpdateView } from './view.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const e = escapeHtml;
const time = (ms: number): string => {
  const iso = new Date(ms).toISOString();
  return `<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;
};
const statusLabel = (s: string): string =>
  (PUBLIC_STATUS_LABELS as Record<string, string>)[s] ??
  ({ scheduled: 'Scheduled', in_progress: 'In progress', completed: 'Completed' } as Record<string, string>)[s] ??
  s;

const STYLE = `
body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f8fa}
main{max-width:48rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem}h3{font-size:1.05rem;margin:0}
.banner{padding:1rem;border-radius:6px;font-weight:600;color:#fff}
.s-operational{background:#1a7f37}.s-under_maintenance{background:#0969da}.s-degraded_performance{background:#9a6700}
.s-partial_outage{background:#bc4c00}.s-major_outage{background:#cf222e}
ul.plain{list-style:none;padding:0}ul.plain>li{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:.75rem;margin:.5rem 0}
.badge{display:inline-block;padding:0 .5rem;border-radius:1rem;color:#fff;font-size:.85rem}
.update{white-space:pre-wrap;margin:.25rem 0}.muted{color:#57606a;font-size:.9rem}
.days{display:flex;gap:1px}.days span{flex:1;height:1.5rem;border-radius:2px}
a{color:#0969da}label{display:block}input,button{font:inherit;padding:.3rem .5rem}
`;

function badge(status: ComponentStatus): string {
  return `<span class="badge s-${status}">${e(COMPONENT_STATUS_LABELS[status])}</span>`;
}

function updates(list: PublicUpdateView[]): string {
  if (!list.length) return '';
  const items = list
    .map(
      (u) =>
        `<li><strong>${e(statusLabel(u.status))}</strong> — <span class="muted">${time(u.postedAt)}</span>` +
        `<p class="update">${e(u.body)}</p></li>`,
    )
    .join('');
  return `<ol reversed class="updates">${items}</ol>`;
}

function incident(i: PublicIncidentView): string {
  const affected = i.components.length
    ? `<p class="muted">Affects: ${i.components.map((c) => `${e(c.name)} (${e(COMPONENT_STATUS_LABELS[c.status])})`).join(', ')}</p>`
    : '';
  return (
    `<li><article aria-labelledby="inc-${e(i.id)}"><h3 id="inc-${e(i.id)}">${e(i.title)}</h3>` +
    `<p><strong>${e(PUBLIC_STATUS_LABELS[i.status])}</strong> · published ${time(i.publishedAt)}` +
    `${i.resolvedAt ? ` · resolved ${time(i.resolvedAt)}` : ''}</p>${affected}${updates(i.updates)}</article></li>`
  );
}

function maintenance(m: PublicMaintenanceView): string {
  return (
    `<li><article aria-labelledby="mnt-${e(m.id)}"><h3 id="mnt-${e(m.id)}">${e(m.title)}</h3>` +
    `<p><strong>${e(statusLabel(m.status))}</strong> · ${time(m.startsAt)} to ${time(m.endsAt)}</p>` +
    (m.description ? `<p class="update">${e(m.description)}</p>` : '') +
    (m.components.length ? `<p class="muted">Components: ${m.components.map((c) => e(c.name)).join(', ')}</p>` : '') +
    `${updates(m.updates)}</article></li>`
  );
}

function history(v: PublicStatusView): string {
  const bad = daysWithIncidents(v.history.days);
  const days = v.history.days
    .map((d) => `<span class="s-${d.status}" title="${e(d.date)}: ${e(COMPONENT_STATUS_LABELS[d.status])}"></span>`)
    .join('');
  // The sentence comes from the same days as the bar (model.ts historySummary): they cannot disagree.
  const past =
    `<p>${e(v.history.summary)}</p>` +
    (v.history.incidents.length ? `<ul class="plain">${v.history.incidents.map(incident).join('')}</ul>` : '');
  return (
    `<section aria-labelledby="h-history"><h2 id="h-history">Past 90 days</h2>` +
    `<div class="days" role="img" aria-label="${bad} of ${v.history.days.length} days with incidents">${days}</div>` +
    `${past}</section>`
  );
}

const subscribeForm = (components: { id: string; name: string }[]): string =>
  `<section aria-labelledby="h-sub"><h2 id="h-sub">Get updates</h2>` +
  `<form method="post" action="/status/subscribe"><label for="sub-email">Email address</label>` +
  `<input id="sub-email" name="email" type="email" required autocomplete="email"> ` +
  (components.length
    ? `<fieldset><legend>Only about (leave all unticked for every update)</legend>` +
      components
        .map(
          (c, i) =>
            `<label for="sub-c${i}"><input id="sub-c${i}" type="checkbox" name="componentIds" value="${e(c.id)}"> ` +
            `${e(c.name)}</label> `,
        )
        .join('') +
      `</fieldset>`
    : '') +
  `<button type="submit">Subscribe</button></form>` +
  `<p class="muted">We send a confirmation link first. Webhooks: <code>POST /api/public/status/subscribers</code>.</p></section>`;

export function renderStatusPage(v: PublicStatusView): string {
  const components = v.components.length
    ? `<ul class="plain">${v.components
        .map(
          (c) =>
            `<li><h3>${e(c.name)}</h3> ${badge(c.status)}` +
            (c.description ? `<p class="muted">${e(c.description)}</p>` : '') +
            '</li>',
        )
        .join('')}</ul>`
    : '<p>No components are listed yet.</p>';
  const current = v.incidents.length
    ? `<section aria-labelledby="h-inc"><h2 id="h-inc">Current incidents</h2><ul class="plain">${v.incidents.map(incident).join('')}</ul></section>`
    : '';
  const mnt = v.maintenance.length
    ? `<section aria-labelledby="h-mnt"><h2 id="h-mnt">Scheduled maintenance</h2><ul class="plain">${v.maintenance.map(maintenance).join('')}</ul></section>`
    : '';
  return page(
    v.page.title,
    `<h1>${e(v.page.title)}</h1>` +
      (v.page.description ? `<p>${e(v.page.description)}</p>` : '') +
      `<p class="banner s-${v.overall.status}" role="status">${e(v.overall.text)}</p>` +
      current +
      `<section aria-labelledby="h-comp"><h2 id="h-comp">Components</h2>${components}</section>` +
      mnt +
      history(v) +
      subscribeForm(v.components) +
      `<p class="muted">Updated ${time(v.generatedAt)} · <a href="/api/public/status">JSON</a></p>`,
  );
}

/** A small page for subscribe, confirm and unsubscribe answers; `form` asks for one button press (no GET effects). */
export function renderMessagePage(title: string, message: string, form?: { action: string; button: string }): string {
  const f = form
    ? `<form method="post" action="${e(form.action)}"><button type="submit">${e(form.button)}</button></form>`
    : '';
  return page(
    title,
    `<h1>${e(title)}</h1><p>${e(message)}</p>${f}<p><a href="/status">Back to the status page</a></p>`,
  );
}

function page(title: string, body: string): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1"><title>${e(title)}</title>` +
    `<style>${STYLE}</style></head><body><main>${body}</main></body></html>`
  );
}
