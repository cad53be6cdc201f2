/** Change events as data: kinds, and links in the stored shape. Pure. */
export const CHANGE_KINDS = ['deploy', 'config', 'infrastructure', 'other'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export const isChangeKind = (v: string): v is ChangeKind => (CHANGE_KINDS as readonly string[]).includes(v);

export interface ChangeLink {
  href: string;
  text: string;
}

/** Links as sent: a URL string, or {href|url, text|title}. Non-http(s) URLs are dropped. */
export function normalizeLinks(raw: unknown[]): ChangeLink[] {
  const out: ChangeLink[] = [];
  for (const l of raw) {
    const obj = typeof l === 'object' && l !== null ? (l as Record<string, unknown>) : null;
    const href =
      typeof l === 'string' ? l : obj && typeof (obj.href ?? obj.url) === 'string' ? String(obj.href ?? obj.url) : '';
    const text = obj && typeof (obj.text ?? obj.title) === 'string' ? String(obj.text ?? obj.title) : '';
    if (/^https?:\/\/\S+$/i.test(href.trim())) out.push({ href: href.trim(), text: text.trim() || href.trim() });
  }
  return out;
}
