/**
 * Where the editor shows the parts other pages own: blame findings (blame.tsx), the 5 Whys and contributing
 * factors (whys.tsx), action items (actions/section.tsx) and the completion rate (completion.tsx).
 */
import { useEffect, useRef } from 'react';
import { ActionItemsSection } from '../actions/section.js';
import { BlameFindings, HighlightedText } from './blame.js';
import { CompletionCard } from './completion.js';
import type { EditorContext } from './editor.js';
import type { BlameFinding, Postmortem, Section } from './types.js';
import { FactorPicker, WhyTree } from './whys.js';

export function BlameSlot({
  text,
  findings,
  dismissed,
  onDismiss,
}: {
  text: string;
  findings: BlameFinding[];
  dismissed: Postmortem['blame']['dismissed'];
  onDismiss: (fingerprint: string, reason: string) => Promise<void>;
}) {
  const open = findings.filter((f) => !dismissed.some((d) => d.fingerprint === f.fingerprint));
  return (
    <div className="pm-blame-slot">
      {open.length > 0 && <HighlightedText text={text} findings={open} className="prewrap break pm-blame-text" />}
      <BlameFindings findings={findings} dismissed={dismissed} onDismiss={onDismiss} />
    </div>
  );
}

/**
 * The why tree, factors and action items save through their own API; the post-mortem (what is filled, what blocks
 * publishing) is read again shortly after a change there.
 */
export function StructuredSlot({ ctx, section }: { ctx: EditorContext; section: Section }) {
  const { pm, canEdit, reload } = ctx;
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  const soon = () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(reload, 1200);
  };
  return (
    <div className="pm-structured" onSubmitCapture={soon} onClickCapture={soon} onChangeCapture={soon}>
      {section.kind === 'whys' && <WhyTree postmortemId={pm.id} canEdit={canEdit} />}
      {(section.kind === 'whys' || section.kind === 'factors') && (
        <FactorPicker postmortemId={pm.id} canEdit={canEdit} />
      )}
      {section.kind === 'actions' && (
        <ActionItemsSection
          postmortemId={pm.id}
          incidentId={pm.incidentId}
          sourceSection={section.key}
          canEdit={canEdit}
        />
      )}
    </div>
  );
}

export function CompletionSlot() {
  return <CompletionCard />;
}
