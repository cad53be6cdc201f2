/**
 * CSV for every export (RFC 4180), guarded against formula injection: a spreadsheet runs a cell that starts with
 * `=`, `+`, `-` or `@` (or a tab or CR before one) as a formula, so such text cells get a leading `'` and are shown
 * as text (OWASP "CSV injection"). Numbers stay numbers: a number, or text that is only a number (`-3.50`), cannot
 * be a formula. Every CSV Muster produces goes through csvDocument (or csvField for one cell).
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

/** One field: formula-guarded, then quoted when it holds a comma, quote, CR or LF, quotes doubled. */
export function csvField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (typeof v === 'string' && FORMULA_START.test(s) && !PLAIN_NUMBER.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function csvRow(values: (string | number | null | undefined)[]): string {
  return values.map(csvField).join(',');
}

/** A header row and the rows, CRLF line ends (RFC 4180 §2). Header names are Muster's own, guarded all the same. */
export function csvDocument(header: readonly string[], rows: (string | number | null | undefined)[][]): string {
  return [csvRow([...header]), ...rows.map(csvRow)].join('\r\n') + '\r\n';
}
