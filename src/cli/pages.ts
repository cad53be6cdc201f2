/**
 * Lists the API pages with a cursor (alerts, incidents: keyset pagination, docs/cli.md "Long lists"): one page by
 * default, the page after `--cursor <next>`, or every page with `--all` (each of `--limit` rows). The caller prints
 * the rows and, when there is more, how to ask for it.
 */
export interface Page<T> {
  rows: T[];
  next: string | null;
}

export async function readPages<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  opts: { cursor?: string | undefined; all?: boolean | undefined },
): Promise<Page<T>> {
  const rows: T[] = [];
  let cursor = opts.cursor;
  for (;;) {
    const page = await fetchPage(cursor);
    rows.push(...page.rows);
    if (!opts.all || !page.next) return { rows, next: page.next };
    cursor = page.next;
  }
}
