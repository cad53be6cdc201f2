/**
 * A small Markdown renderer for text people write in Muster (post-mortems, runbooks). Safe by construction: it builds
 * React elements (text is always escaped by React, never set as HTML), so raw HTML in the source shows as text, and
 * links keep only http(s) and mailto targets. Covers headings, paragraphs, lists (with `[ ]`/`[x]` checkboxes),
 * quotes, fenced code (with a copy button when asked), simple pipe tables, emphasis and links.
 */
import type { ReactNode } from 'react';
import { CopyButton } from './ui.js';

/** The href a link may carry, or null (javascript:, data:, relative tricks). */
export function safeHref(url: string): string | null {
  const u = url.trim();
  return /^(https?:\/\/|mailto:)/i.test(u) ? u : null;
}

const INLINE = /(`[^`]+`)|(\*\*[^*]+\*\*)|(\*[^*\s][^*]*\*|_[^_\s][^_]*_)|(\[[^\]]+\]\([^)\s]+\))/;

export function renderInline(text: string, keyPrefix = 'i'): ReactNode[] {
  const out: ReactNode[] = [];
  let rest = text;
  let n = 0;
  while (rest) {
    const m = INLINE.exec(rest);
    if (!m) {
      out.push(rest);
      break;
    }
    if (m.index > 0) out.push(rest.slice(0, m.index));
    const tok = m[0];
    const key = `${keyPrefix}-${n++}`;
    if (m[1]) out.push(<code key={key}>{tok.slice(1, -1)}</code>);
    else if (m[2]) out.push(<strong key={key}>{renderInline(tok.slice(2, -2), key)}</strong>);
    else if (m[3]) out.push(<em key={key}>{renderInline(tok.slice(1, -1), key)}</em>);
    else {
      const link = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(tok)!;
      const href = safeHref(link[2]!);
      out.push(
        href ? (
          <a key={key} href={href} target="_blank" rel="noopener noreferrer nofollow">
            {link[1]}
          </a>
        ) : (
          <span key={key}>{link[1]}</span>
        ),
      );
    }
    rest = rest.slice(m.index + tok.length);
  }
  return out;
}

export type Block =
  | { kind: 'h'; level: number; text: string }
  | { kind: 'p'; text: string }
  | { kind: 'ul'; items: string[] }
  /** `start`: the first item's number, so steps split by a code block go on 3, 4 (not 1 again). */
  | { kind: 'ol'; items: string[]; start: number }
  | { kind: 'quote'; text: string }
  | { kind: 'code'; text: string; lang: string }
  | { kind: 'table'; head: string[]; align: ('left' | 'right' | 'center' | null)[]; rows: string[][] };

const TABLE_SEP = /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/;

/** The cells of a `| a | b |` row (a pipe inside backticks still splits: tables stay simple). */
function cells(line: string): string[] {
  let s = line.trim();
  if (s.startsWith('|')) s = s.slice(1);
  if (s.endsWith('|')) s = s.slice(0, -1);
  return s.split('|').map((c) => c.trim());
}

function isTableAt(lines: string[], i: number): boolean {
  const line = lines[i]!;
  const next = lines[i + 1];
  return line.includes('|') && next !== undefined && next.includes('-') && TABLE_SEP.test(next);
}

export function parseBlocks(src: string): Block[] {
  const lines = src.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (!line.trim()) {
      i++;
      continue;
    }
    if (line.startsWith('```')) {
      const lang = line.slice(3).trim();
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i]!.startsWith('```')) body.push(lines[i++]!);
      i++;
      blocks.push({ kind: 'code', text: body.join('\n'), lang });
      continue;
    }
    const h = /^(#{1,6})\s+(.*)$/.exec(line);
    if (h) {
      blocks.push({ kind: 'h', level: h[1]!.length, text: h[2]! });
      i++;
      continue;
    }
    const listKind = /^\s*[-*+]\s+/.test(line) ? 'ul' : /^\s*\d+[.)]\s+/.test(line) ? 'ol' : null;
    if (listKind) {
      const re = listKind === 'ul' ? /^\s*[-*+]\s+/ : /^\s*\d+[.)]\s+/;
      const items: string[] = [];
      const start = listKind === 'ol' ? Number(/\d+/.exec(line)![0]) : 1;
      while (i < lines.length && re.test(lines[i]!)) items.push(lines[i++]!.replace(re, ''));
      blocks.push(listKind === 'ol' ? { kind: 'ol', items, start } : { kind: 'ul', items });
      continue;
    }
    if (line.startsWith('>')) {
      const body: string[] = [];
      while (i < lines.length && lines[i]!.startsWith('>')) body.push(lines[i++]!.replace(/^>\s?/, ''));
      blocks.push({ kind: 'quote', text: body.join(' ') });
      continue;
    }
    if (isTableAt(lines, i)) {
      const head = cells(line);
      const align = cells(lines[i + 1]!).map((c) =>
        c.startsWith(':') && c.endsWith(':') ? 'center' : c.endsWith(':') ? 'right' : c.startsWith(':') ? 'left' : null,
      );
      i += 2;
      const rows: string[][] = [];
      while (i < lines.length && lines[i]!.trim() && lines[i]!.includes('|')) rows.push(cells(lines[i++]!));
      blocks.push({ kind: 'table', head, align, rows });
      continue;
    }
    const para: string[] = [];
    while (
      i < lines.length &&
      lines[i]!.trim() &&
      !/^(#{1,6}\s|```|>|\s*[-*+]\s|\s*\d+[.)]\s)/.test(lines[i]!) &&
      !isTableAt(lines, i)
    )
      para.push(lines[i++]!);
    if (para.length === 0) para.push(lines[i++]!);
    blocks.push({ kind: 'p', text: para.join(' ') });
  }
  return blocks;
}

/** A list item's text and its checkbox state when it starts with `[ ]` or `[x]`. */
function taskOf(item: string): { checked: boolean; text: string } | null {
  const m = /^\[([ xX])\]\s+(.*)$/.exec(item);
  return m ? { checked: m[1] !== ' ', text: m[2]! } : null;
}

export function Markdown({
  source,
  className,
  headingOffset = 2,
  copyCode = false,
  maxBlocks,
}: {
  source: string;
  className?: string;
  /** `#` becomes h(1 + offset): 2 for text under a section title (post-mortems), 1 under a page title. */
  headingOffset?: number;
  /** A copy button on each fenced code block (commands in a runbook). */
  copyCode?: boolean;
  /** Only the first N blocks (an excerpt). */
  maxBlocks?: number;
}) {
  const all = parseBlocks(source);
  const blocks = maxBlocks === undefined ? all : all.slice(0, maxBlocks);
  return (
    <div className={className ? `pm-md ${className}` : 'pm-md'}>
      {blocks.map((b, k) => {
        const key = `b${k}`;
        switch (b.kind) {
          case 'h': {
            const level = Math.min(6, b.level + headingOffset);
            const Tag = `h${level}` as 'h3';
            return <Tag key={key}>{renderInline(b.text, key)}</Tag>;
          }
          case 'ul':
          case 'ol': {
            const Tag = b.kind;
            const tasks = b.items.map(taskOf);
            return (
              <Tag
                key={key}
                className={tasks.some(Boolean) ? 'md-tasks' : undefined}
                start={b.kind === 'ol' && b.start !== 1 ? b.start : undefined}
              >
                {b.items.map((it, j) => {
                  const task = tasks[j];
                  if (!task) return <li key={j}>{renderInline(it, `${key}-${j}`)}</li>;
                  // A tick is the reader's own (a responder following the steps); it is not saved.
                  return (
                    <li key={j} className="md-task">
                      <label>
                        <input type="checkbox" defaultChecked={task.checked} />{' '}
                        <span>{renderInline(task.text, `${key}-${j}`)}</span>
                      </label>
                    </li>
                  );
                })}
              </Tag>
            );
          }
          case 'quote':
            return <blockquote key={key}>{renderInline(b.text, key)}</blockquote>;
          case 'code':
            return copyCode ? (
              <div key={key} className="md-code">
                <pre>
                  <code data-lang={b.lang || undefined}>{b.text}</code>
                </pre>
                <div className="md-code-copy">
                  <CopyButton value={b.text} label="Copy" />
                </div>
              </div>
            ) : (
              <pre key={key}>
                <code>{b.text}</code>
              </pre>
            );
          case 'table':
            return (
              <div key={key} className="md-table-wrap">
                <table className="md-table">
                  <thead>
                    <tr>
                      {b.head.map((c, j) => (
                        <th key={j} style={b.align[j] ? { textAlign: b.align[j] } : undefined}>
                          {renderInline(c, `${key}-h${j}`)}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {b.rows.map((r, ri) => (
                      <tr key={ri}>
                        {b.head.map((_, j) => (
                          <td key={j} style={b.align[j] ? { textAlign: b.align[j] } : undefined}>
                            {renderInline(r[j] ?? '', `${key}-${ri}-${j}`)}
                          </td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            );
          default:
            return <p key={key}>{renderInline(b.text, key)}</p>;
        }
      })}
    </div>
  );
}
