/**
 * Where the editor shows the parts other pages own: blame findings (blame.tsx), the 5 Whys and contributing
 * factors (whys.tsx), action items (actions/section.tsx) and the completion rate (completion.tsx).
 */
import type { EditorContext } from './editor.js';
import { pmPath, type BlameFinding, type Section } from './types.js';

export function BlameSlot({
  findings,
}: {
  text: string;
  findings: BlameFinding[];
  sectionKey: string;
  onDismiss: (fingerprint: string, reason: string) => Promise<void>;
}) {
  return (
    <ul className="pm-blame-fallback" data-testid="blame-findings">
      {findings.map((f) => (
        <li key={f.fingerprint}>
          “{f.excerpt}”: {f.message} {f.suggestion && <>Try: {f.suggestion}</>}
        </li>
      ))}
    </ul>
  );
}

export function StructuredSlot({ ctx, section }: { ctx: EditorContext; section: Section }) {
  const path = section.kind === 'actions' ? `/api/action-items?postmortemId=${ctx.pm.id}` : `${pmPath(ctx.pm.id)}/whys`;
  return (
    <p className="muted small">
      Not available in this build: see <a href={path}>{path}</a>.
    </p>
  );
}

export function CompletionSlot() {
  return null;
}
