// The case list's columns: which exist, which the user shows (a menu of
// checkboxes, remembered per user), and what each cell shows. Reference and
// subject are always there; the rest is the user's choice. Every cell is one
// line; its `title` carries the full text the ellipsis may hide.

import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { Case, CaseSort } from '../../api';
import { formatDateTime, formatShort, t, type MsgKey } from '../../i18n';
import { ChannelLabel, PriorityLabel, StatusBadge, isOverdue } from '../../components/caseBits';
import { SlaTimer } from '../../components/SlaTimer';
import { useStoredState } from '../../components/useStoredState';

export interface CaseColumn {
  key: string;
  label: MsgKey;
  /** Sort orders the header cycles through; none: the header is plain. */
  sort?: CaseSort[];
  /** The full text for the cell's tooltip (none: the cell speaks for itself). */
  text?: (c: Case) => string | undefined;
  cell: (c: Case) => ComponentChildren;
  /** Extra classes of the cell for this case (overdue). */
  cellClass?: (c: Case) => string;
  /** Label before the value when the row is shown as a card (phones). */
  cardLabel?: boolean;
}

const none = () => <span class="muted">{t('common.none')}</span>;

export const OPTIONAL_COLUMNS: CaseColumn[] = [
  { key: 'contact', label: 'case.contact', text: (c) => c.contact_name ?? undefined, cell: (c) => c.contact_name ?? none() },
  { key: 'status', label: 'case.status', text: (c) => t(`status.${c.status}`), cell: (c) => <StatusBadge status={c.status} /> },
  { key: 'priority', label: 'case.priority', sort: ['-priority'], text: (c) => t(`priority.${c.priority}`), cell: (c) => <PriorityLabel priority={c.priority} /> },
  {
    key: 'assignee',
    label: 'case.assignee',
    text: (c) => c.assignee_name ?? t('case.unassigned'),
    cell: (c) => (
      <>
        {c.assignee_name ?? <span class="muted">{t('case.unassigned')}</span>}
        {c.handling_team === 'provider' && (
          <span class="badge team-badge" data-testid="case-provider-team">
            {t(c.handling_tariff ? `dist.badge.${c.handling_tariff}` : 'dist.badge.provider')}
          </span>
        )}
      </>
    ),
  },
  { key: 'topic', label: 'case.topic', text: (c) => c.topic_name ?? undefined, cell: (c) => c.topic_name ?? none() },
  { key: 'channel', label: 'case.channel', text: (c) => t(`channel.${c.channel}`), cell: (c) => <ChannelLabel channel={c.channel} /> },
  {
    key: 'updated',
    label: 'case.updated',
    sort: ['-updated_at', 'updated_at'],
    cardLabel: true,
    text: (c) => formatDateTime(c.updated_at),
    cell: (c) => <time dateTime={c.updated_at}>{formatShort(c.updated_at)}</time>,
  },
  {
    key: 'due',
    label: 'case.due',
    sort: ['due_at'],
    cardLabel: true,
    text: (c) => (c.due_at ? formatDateTime(c.due_at) : undefined),
    cellClass: (c) => (isOverdue(c.due_at, c.status) ? 'overdue' : ''),
    cell: (c) => (c.due_at ? <time dateTime={c.due_at}>{formatShort(c.due_at)}</time> : ''),
  },
  {
    key: 'sla',
    label: 'sla.column',
    sort: ['sla_due_at'],
    cell: (c) => <SlaTimer due={c.sla_due_at} target={c.sla_target} status={c.status} />,
  },
];

// What fits beside the views column at 1366 px; the update time is the
// list's default order already.
const DEFAULT_COLUMNS = OPTIONAL_COLUMNS.map((c) => c.key).filter((k) => k !== 'topic' && k !== 'updated');
const KNOWN = new Set(OPTIONAL_COLUMNS.map((c) => c.key));

function readColumns(raw: unknown): string[] | null {
  return Array.isArray(raw) && raw.every((k) => typeof k === 'string') ? raw.filter((k) => KNOWN.has(k)) : null;
}

/** The optional columns this user shows, in the list's order, and a setter. */
export function useCaseColumns(userId: number): [CaseColumn[], (keys: string[]) => void, Set<string>] {
  const [keys, setKeys] = useStoredState(`zezaro.cases.columns.${userId}`, readColumns, DEFAULT_COLUMNS);
  const shown = new Set(keys);
  return [OPTIONAL_COLUMNS.filter((c) => shown.has(c.key)), setKeys, shown];
}

/** "Columns": a disclosure with one checkbox per optional column; Escape or a
 *  click elsewhere closes it. */
export function ColumnsMenu({ shown, onChange }: { shown: Set<string>; onChange: (keys: string[]) => void }) {
  const ref = useRef<HTMLDetailsElement>(null);
  useEffect(() => {
    const close = (e: Event) => {
      const el = ref.current;
      if (!el?.open) return;
      if (e instanceof KeyboardEvent) {
        if (e.key !== 'Escape') return;
        el.open = false;
        el.querySelector('summary')?.focus();
      } else if (!el.contains(e.target as Node)) el.open = false;
    };
    document.addEventListener('keydown', close);
    document.addEventListener('mousedown', close);
    return () => {
      document.removeEventListener('keydown', close);
      document.removeEventListener('mousedown', close);
    };
  }, []);
  return (
    <details class="columns-menu" data-testid="columns-menu" ref={ref}>
      <summary class="btn btn-small">{t('cases.columns')}</summary>
      <fieldset class="columns-popup">
        <legend class="sr-only">{t('cases.columnsLegend')}</legend>
        {OPTIONAL_COLUMNS.map((c) => (
          <label key={c.key}>
            <input
              type="checkbox"
              checked={shown.has(c.key)}
              data-testid={`column-${c.key}`}
              onChange={(e) => {
                const on = e.currentTarget.checked;
                onChange(OPTIONAL_COLUMNS.map((x) => x.key).filter((k) => (k === c.key ? on : shown.has(k))));
              }}
            />
            {t(c.label)}
          </label>
        ))}
      </fieldset>
    </details>
  );
}
