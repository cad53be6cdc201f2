/**
 * The HTML of the one-click acknowledge/resolve pages (/a/<token>): what a responder sees on a phone at night after
 * tapping the link in a page. The alert's title, service and state first, then the buttons (both actions: the
 * link's own first), then the summary and the runbooks. Pure: the route gathers the facts, this writes the page.
 * Small, self-contained HTML (no script, inline style only: the route's Content-Security-Policy allows nothing else).
 */
import type { LinkAction } from '../../notify/links.js';

export interface LinkPageAlert {
  id: string;
  summary: string;
  description: string;
  severity: string;
  status: 'triggered' | 'acknowledged' | 'resolved';
  serviceName: string | null;
  firstSeenAt: number;
  acknowledgedAt: number | null;
  acknowledgedByLabel: string | null;
  resolvedAt: number | null;
  resolvedByLabel: string | null;
}

export interface LinkPageView {
  /** The alert, or null when it cannot be read (then only its id is shown). */
  alert: LinkPageAlert | null;
  alertId: string;
  /** Who acts when a button is pressed (the person the page was sent to). */
  recipient: string | null;
  /** The link's own action: its button comes first and posts to this page's address. */
  action: LinkAction;
  /** The other action's link (ActionLinkService.sibling), offered beside it while usable. */
  other: { action: LinkAction; token: string; isUsable: boolean } | null;
  runbooks: { title: string; path: string }[];
  /** The alert's own runbook link (runbook_url annotation), http(s) only. */
  externalRunbook: string | null;
  now: number;
}

const VERB = { acknowledge: 'Acknowledge', resolve: 'Resolve', respond: 'Acknowledge and join' } as const;
const STATUS = { triggered: 'Triggered', acknowledged: 'Acknowledged', resolved: 'Resolved' } as const;
const SUMMARY_LIMIT = 1200;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** "just now", "12 min ago", "3 h ago", "2 days ago": zone-free, so the page needs no time zone. */
export function ago(at: number, now: number): string {
  const min = Math.max(0, Math.round((now - at) / 60_000));
  if (min < 1) return 'just now';
  if (min < 60) return `${min} min ago`;
  const h = Math.round(min / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(h / 24)} days ago`;
}

/** Only http(s) addresses become links: an annotation is whatever the monitor sent. */
export function safeHref(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

const STYLE = [
  '*{box-sizing:border-box}',
  'body{font:16px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2633;background:#f4f6f9;margin:0;' +
    'overflow-wrap:anywhere}',
  'main{max-width:34rem;margin:0 auto;padding:.75rem 1rem 2rem}',
  '.brand{font-weight:700;color:#5b6675;font-size:.85rem;margin:0 0 .6rem}',
  'h1{font-size:1.35rem;line-height:1.25;margin:.3rem 0 .35rem}',
  'h2{font-size:.8rem;text-transform:uppercase;letter-spacing:.04em;color:#5b6675;margin:1.25rem 0 .35rem}',
  '.facts{margin:0;display:flex;flex-wrap:wrap;gap:.35rem;align-items:center}',
  '.pill{display:inline-block;border-radius:999px;padding:.05rem .55rem;font-size:.78rem;font-weight:700;' +
    'background:#e6eaf0;color:#334155;text-transform:capitalize}',
  '.sev-critical,.sev-error{background:#fbe4e4;color:#9b2c2f}',
  '.sev-warning{background:#fdf1d8;color:#7a5200}',
  '.st-triggered{background:#fbe4e4;color:#9b2c2f}.st-acknowledged{background:#fdf1d8;color:#7a5200}' +
    '.st-resolved{background:#dff3e6;color:#1d6b3a}',
  '.meta{color:#5b6675;margin:0 0 .75rem}',
  '.state{margin:0 0 .75rem;font-weight:600}',
  '.actions{display:flex;flex-wrap:wrap;gap:.6rem;margin:.25rem 0 .5rem}',
  '.actions form{flex:1 1 9rem;margin:0}',
  'button{font:inherit;font-weight:700;width:100%;min-height:3rem;padding:.6rem 1rem;border-radius:.5rem;' +
    'border:1px solid #2f6db5;background:#2f6db5;color:#fff;cursor:pointer}',
  'button.secondary{background:#fff;color:#2f6db5}',
  '.small{font-size:.85rem;color:#5b6675;margin:.25rem 0}',
  '.summary{white-space:pre-wrap;margin:0;background:#fff;border:1px solid #dde3ea;border-radius:.5rem;padding:.6rem .75rem}',
  'ul{margin:0;padding-left:1.2rem}li{margin:.2rem 0}',
  'a{color:#2f6db5}',
  'code{font-size:.85em}',
].join('');

export function htmlPage(title: string, body: string): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" ` +
    `content="width=device-width,initial-scale=1"><title>${escapeHtml(title)} · Muster</title>` +
    `<style>${STYLE}</style></head><body><main><p class="brand">Muster</p>${body}</main></body></html>`
  );
}

function actionForm(action: LinkAction, token: string | null, primary: boolean): string {
  // The link's own form posts to this page's address; the other one to its own link, relative to /a/.
  return (
    `<form method="post"${token ? ` action="${escapeHtml(token)}"` : ''}>` +
    `<input type="hidden" name="confirm" value="1">` +
    `<button type="submit"${primary ? '' : ' class="secondary"'}>${VERB[action]}</button></form>`
  );
}

function heading(v: LinkPageView): string {
  const a = v.alert;
  if (!a) return `<h1>${VERB[v.action]} alert?</h1><p class="meta">Alert <code>${escapeHtml(v.alertId)}</code></p>`;
  return (
    `<p class="facts"><span class="pill sev-${escapeHtml(a.severity)}">${escapeHtml(a.severity)}</span>` +
    `<span class="pill st-${a.status}" data-status="${a.status}">${STATUS[a.status]}</span></p>` +
    `<h1>${escapeHtml(a.summary)}</h1>` +
    `<p class="meta">${a.serviceName ? `<strong>${escapeHtml(a.serviceName)}</strong> · ` : ''}` +
    `first seen ${ago(a.firstSeenAt, v.now)}</p>`
  );
}

function stateLine(a: LinkPageAlert | null, now: number): string {
  if (!a) return '';
  if (a.status === 'resolved' && a.resolvedAt !== null) {
    return `<p class="state">Resolved ${ago(a.resolvedAt, now)}${a.resolvedByLabel ? ` by ${escapeHtml(a.resolvedByLabel)}` : ''}.</p>`;
  }
  if (a.status === 'acknowledged' && a.acknowledgedAt !== null) {
    return (
      `<p class="state">Acknowledged ${ago(a.acknowledgedAt, now)}` +
      `${a.acknowledgedByLabel ? ` by ${escapeHtml(a.acknowledgedByLabel)}` : ''}.</p>`
    );
  }
  return '';
}

/** The summary, the runbooks and a way into Muster: what to read once the page is acknowledged. */
function details(v: LinkPageView): string {
  const a = v.alert;
  let out = '';
  if (a?.description.trim()) {
    const text = a.description.trim();
    const shown = text.length > SUMMARY_LIMIT ? `${text.slice(0, SUMMARY_LIMIT)}…` : text;
    out += `<h2>Summary</h2><p class="summary">${escapeHtml(shown)}</p>`;
  }
  const items = [
    ...v.runbooks.map(
      (r) => `<li><a href="../${escapeHtml(r.path.replace(/^\//, ''))}">${escapeHtml(r.title)}</a></li>`,
    ),
    ...(v.externalRunbook
      ? [`<li><a href="${escapeHtml(v.externalRunbook)}" rel="noreferrer">The runbook the alert links to</a></li>`]
      : []),
  ];
  out += `<h2>Runbook</h2>${items.length ? `<ul aria-label="Runbooks">${items.join('')}</ul>` : '<p class="small">No runbook linked.</p>'}`;
  out += `<p class="small"><a href="../alerts/${encodeURIComponent(v.alertId)}">Open the alert in Muster</a> (sign in needed)</p>`;
  return out;
}

/** GET /a/<token>: the alert and both buttons; nothing changes until a button is pressed. */
export function confirmPage(v: LinkPageView): { title: string; html: string } {
  const a = v.alert;
  const closed = a?.status === 'resolved';
  const forms: string[] = [];
  if (!closed) {
    const ownIsMoot = v.action === 'acknowledge' && a?.status === 'acknowledged';
    if (!ownIsMoot) forms.push(actionForm(v.action, null, true));
    if (v.other?.isUsable && !(v.other.action === 'acknowledge' && a?.status !== 'triggered')) {
      forms.push(actionForm(v.other.action, v.other.token, forms.length === 0));
    }
  }
  const buttons = forms.length ? `<div class="actions">${forms.join('')}</div>` : '';
  const who = v.recipient ? `As ${escapeHtml(v.recipient)}. ` : '';
  const note = forms.length ? `<p class="small">${who}Each button works once.</p>` : '';
  const title = a ? `${VERB[v.action]}: ${a.summary}` : `${VERB[v.action]} alert?`;
  return { title, html: htmlPage(title, heading(v) + stateLine(a, v.now) + buttons + note + details(v)) };
}

/** POST /a/<token> done: what happened, and the other action while it is still to do (resolve after acknowledging). */
export function donePage(v: LinkPageView): { title: string; html: string } {
  const done = v.action === 'acknowledge' ? 'Acknowledged' : 'Resolved';
  const a = v.alert;
  const name = a ? `<strong>${escapeHtml(a.summary)}</strong>` : `<code>${escapeHtml(v.alertId)}</code>`;
  const next =
    v.other?.isUsable && v.other.action === 'resolve' && a?.status !== 'resolved'
      ? `<div class="actions">${actionForm('resolve', v.other.token, false)}</div>` +
        '<p class="small">Resolve when it is fixed: this button works once.</p>'
      : '';
  const body =
    `<h1>${done}</h1><p>Alert ${name}${a?.serviceName ? ` on ${escapeHtml(a.serviceName)}` : ''} is ` +
    `${done.toLowerCase()}.</p>${next}${details(v)}`;
  return { title: done, html: htmlPage(done, body) };
}

/** A responder link's page (`respond`): the incident, who asked and why, and one button that acknowledges. */
export interface ResponderLinkView {
  incident: { id: string; title: string; severity: string; status: string } | null;
  incidentId: string;
  request: {
    state: string;
    message: string;
    requestedBy: string;
    targetLabel: string;
    respondedBy: string | null;
  } | null;
  recipient: string | null;
  now: number;
}

function responderHeading(v: ResponderLinkView): string {
  const i = v.incident;
  if (!i) return `<h1>Join the incident?</h1><p class="meta">Incident <code>${escapeHtml(v.incidentId)}</code></p>`;
  return (
    `<p class="facts"><span class="pill sev-${escapeHtml(i.severity)}">${escapeHtml(i.severity)}</span>` +
    `<span class="pill" data-status="${escapeHtml(i.status)}">${escapeHtml(i.status)}</span></p>` +
    `<h1>${escapeHtml(i.title)}</h1>` +
    (v.request
      ? `<p class="meta"><strong>${escapeHtml(v.request.requestedBy)}</strong> asks for your help` +
        ` (you are paged as ${escapeHtml(v.request.targetLabel)}).</p>` +
        (v.request.message ? `<p class="summary">${escapeHtml(v.request.message)}</p>` : '')
      : '')
  );
}

const roomLink = (v: ResponderLinkView): string =>
  `<p class="small"><a href="../incidents/${encodeURIComponent(v.incidentId)}">Open the incident room</a> (sign in needed)</p>`;

/** GET /a/<token> of a responder link: nothing changes until the button is pressed. */
export function responderConfirmPage(v: ResponderLinkView): { title: string; html: string } {
  const r = v.request;
  const isOpen = v.incident?.status !== 'resolved' && (r === null || r.state === 'paged' || r.state === 'escalated');
  let state = '';
  if (v.incident?.status === 'resolved') state = '<p class="state">The incident is resolved: nobody is needed.</p>';
  else if (r?.state === 'acknowledged')
    state = `<p class="state">Acknowledged${r.respondedBy ? ` by ${escapeHtml(r.respondedBy)}` : ''}.</p>`;
  else if (r && !isOpen) state = `<p class="state">This request is ${escapeHtml(r.state)}.</p>`;
  const who = v.recipient ? `As ${escapeHtml(v.recipient)}. ` : '';
  const buttons = isOpen
    ? `<div class="actions">${actionForm('respond', null, true)}</div><p class="small">${who}The button works once.</p>`
    : '';
  const title = v.incident ? `Join: ${v.incident.title}` : 'Join the incident?';
  return { title, html: htmlPage(title, responderHeading(v) + state + buttons + roomLink(v)) };
}

/** POST /a/<token> of a responder link done: acknowledged, and the way into the room. */
export function responderDonePage(v: ResponderLinkView): { title: string; html: string } {
  const name = v.incident
    ? `<strong>${escapeHtml(v.incident.title)}</strong>`
    : `<code>${escapeHtml(v.incidentId)}</code>`;
  const body = `<h1>Acknowledged</h1><p>You are coming to help with ${name}; the room shows it.</p>` + roomLink(v);
  return { title: 'Acknowledged', html: htmlPage('Acknowledged', body) };
}
