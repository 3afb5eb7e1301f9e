// Two versions side by side: each part (a title, a body, a list) as rows of
// lines, the changed words marked (rows from diffRows.ts, jsdiff). Used by
// the knowledge history and the text modules' history; the texts around it
// (headings, labels) are the caller's, so each area keeps its own messages.

import { diffRows, type Piece, type Row } from './diffRows';

export interface DiffPart {
  older: string;
  newer: string;
}

export function SideBySideDiff(props: {
  /** The section's accessible name. */
  label: string;
  heading: string;
  /** Column heads: the older (left) and the newer (right) version. */
  left: string;
  right: string;
  /** Shown when nothing differs. */
  sameText?: string;
  parts: DiffPart[];
  /** `data-testid` of the section; the marks get `<testId>-del` / `<testId>-ins`. */
  testId: string;
}) {
  const rows: Row[] = [];
  props.parts.forEach((part, i) => {
    if (i > 0) rows.push({ left: null, right: null, kind: 'same' });
    rows.push(...diffRows(part.older, part.newer));
  });
  const same = props.parts.every((p) => p.older === p.newer);
  return (
    <section class="diff" aria-label={props.label} data-testid={props.testId}>
      <h2>{props.heading}</h2>
      {same && props.sameText && <p class="muted">{props.sameText}</p>}
      <div class="diff-grid" role="table">
        <div class="diff-row diff-head" role="row">
          <div role="columnheader">{props.left}</div>
          <div role="columnheader">{props.right}</div>
        </div>
        {rows.map((r, i) => (
          <div key={i} class={`diff-row diff-${r.kind}`} role="row">
            <Side pieces={r.left} side="left" testId={props.testId} />
            <Side pieces={r.right} side="right" testId={props.testId} />
          </div>
        ))}
      </div>
    </section>
  );
}

function Side({ pieces, side, testId }: { pieces: Piece[] | null; side: 'left' | 'right'; testId: string }) {
  if (!pieces) return <div role="cell" class="diff-cell diff-none" />;
  return (
    <div role="cell" class="diff-cell">
      {pieces.map((p, i) =>
        p.changed ? (
          side === 'left' ? (
            <del key={i} data-testid={`${testId}-del`}>
              {p.text}
            </del>
          ) : (
            <ins key={i} data-testid={`${testId}-ins`}>
              {p.text}
            </ins>
          )
        ) : (
          p.text
        ),
      )}
    </div>
  );
}
