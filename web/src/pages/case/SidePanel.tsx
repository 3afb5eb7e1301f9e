// The case screen's side panel, first what an agent reads before answering:
// the contact and the custom fields (the key data of the case), then tags,
// SLA clocks, knowledge suggestions, earlier and related cases, time spent,
// dates and the history. On a laptop screen it scrolls on its own beside
// the thread.

import { Fragment, type ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, query, type Case, type CaseDetail, type CustomField, type HistoryEntry, type List, type TimeKind } from '../../api';
import { formatDateTime, formatDuration, formatNumber, formatShort, hasMessage, t, type MsgKey } from '../../i18n';
import { navigate } from '../../router';
import { MaskCard, customValue } from '../../components/CustomFields';
import { ErrorBox } from '../../components/ErrorBox';
import { Link } from '../../components/Link';
import { ConfirmModal } from '../../components/Modal';
import { useLoad } from '../../components/useLoad';
import { ChannelLabel, StatusBadge } from '../../components/caseBits';
import { TagsEditor } from './CaseHeader';
import { SlaPanel } from './SlaPanel';
import type { CaseTimer } from './useCaseTimer';

export function SidePanel(props: {
  detail: CaseDetail;
  timer: CaseTimer;
  onSaveCustom: (custom: Record<string, unknown>) => Promise<void>;
  onSaveTags: (tags: string[]) => Promise<boolean>;
  onLinksChanged: () => void;
  children?: ComponentChildren;
}) {
  const { detail, timer } = props;
  const c = detail.case;
  const earlier = detail.contact_cases.filter((x) => x.id !== c.id);
  // The case fields' labels, for the history's changes of custom fields
  // (a field no longer defined is named by its key).
  const caseFields = useLoad(() => api.get<List<CustomField>>(`/projects/${c.project_id}/fields?entity=case`), [c.project_id]);
  return (
    <aside class="case-side" aria-label={t('case.side')} data-testid="case-side">
      <section class="card side-card" data-testid="contact-card">
        <h2>{t('case.contact')}</h2>
        {detail.contact ? (
          <dl class="facts facts-compact">
            <dt>{t('common.name')}</dt>
            <dd>
              <Link href={`/contacts/${detail.contact.id}`}>{detail.contact.name}</Link>
            </dd>
            {detail.contact.organization_name && (
              <>
                <dt>{t('contacts.organization')}</dt>
                <dd>{detail.contact.organization_name}</dd>
              </>
            )}
            {detail.contact.customer_number && (
              <>
                <dt>{t('contacts.customerNumber')}</dt>
                <dd>{detail.contact.customer_number}</dd>
              </>
            )}
            {detail.contact.emails.length > 0 && (
              <>
                <dt>{t('common.email')}</dt>
                <dd>
                  {detail.contact.emails.map((em) => (
                    <div key={em} class="one-line" title={em} data-testid="contact-card-email">
                      {em}
                    </div>
                  ))}
                </dd>
              </>
            )}
            {detail.contact.phones.length > 0 && (
              <>
                <dt>{t('contacts.phones')}</dt>
                <dd>
                  {detail.contact.phones.map((p) => (
                    <div key={p}>
                      <a href={`tel:${p.replace(/[^\d+]/g, '')}`}>{p}</a>
                    </div>
                  ))}
                </dd>
              </>
            )}
            {detail.contact.city && (
              <>
                <dt>{t('contacts.address')}</dt>
                <dd>
                  <div>{detail.contact.city}</div>
                </dd>
              </>
            )}
            {detail.contact.notes && (
              <>
                <dt>{t('contacts.notes')}</dt>
                <dd class="pre">{detail.contact.notes}</dd>
              </>
            )}
          </dl>
        ) : (
          <p class="muted">{c.contact_name ?? t('case.noContact')}</p>
        )}
      </section>

      <MaskCard
        fieldsUrl={`/projects/${c.project_id}/fields?entity=case`}
        values={c.custom}
        idPrefix={`case-${c.id}-custom`}
        testId="fields-card"
        cardClass="card side-card"
        onSave={props.onSaveCustom}
      />

      <TagsEditor tags={c.tags} onSave={props.onSaveTags} />
      <SlaPanel c={c} />
      {props.children}

      <section class="card side-card">
        <h2>{t('case.earlier')}</h2>
        {earlier.length === 0 ? (
          <p class="muted">{t('case.noEarlier')}</p>
        ) : (
          <ul class="plain-list">
            {earlier.slice(0, 10).map((x) => (
              <li key={x.id}>
                <Link href={`/cases/${x.id}`}>{x.ref}</Link> <StatusBadge status={x.status} />
                <div class="muted small">
                  {x.subject} · {formatShort(x.created_at)}
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>

      <RelatedCases caseId={c.id} links={detail.links} onChange={props.onLinksChanged} />

      <section class="card side-card" data-testid="time-card">
        <h2>{t('time.title')}</h2>
        <TimeSpent total={detail.time.total_seconds + timer.posted} since={timer.since} kind={timer.kind} />
        <dl class="facts facts-compact">
          {(Object.entries(detail.time.by_kind) as [TimeKind, number][])
            .filter(([, v]) => v > 0)
            .map(([k, v]) => (
              <Fragment key={k}>
                <dt>{hasMessage(`time.${k}`) ? t(`time.${k}` as MsgKey) : k}</dt>
                <dd>{formatDuration(v)}</dd>
              </Fragment>
            ))}
        </dl>
      </section>

      <section class="card side-card">
        <dl class="facts facts-compact">
          <dt>{t('case.channel')}</dt>
          <dd>
            <ChannelLabel channel={c.channel} />
          </dd>
          <dt>{t('common.created')}</dt>
          <dd>{formatDateTime(c.created_at)}</dd>
          <dt>{t('case.firstResponse')}</dt>
          <dd>{formatDateTime(c.first_response_at)}</dd>
          <dt>{t('case.updated')}</dt>
          <dd>{formatDateTime(c.updated_at)}</dd>
        </dl>
      </section>

      <section class="card side-card">
        <details data-testid="history">
          <summary>
            <h2 class="inline-h2">{t('case.history', { n: formatNumber(detail.history.length) })}</h2>
          </summary>
          <ol class="history">
            {[...detail.history].reverse().map((h) => (
              <HistoryItem key={h.id} h={h} fields={caseFields.data?.items ?? []} />
            ))}
          </ol>
        </details>
      </section>
    </aside>
  );
}

function TimeSpent({ total, since, kind }: { total: number; since: number | null; kind: 'handling' | 'after-work' }) {
  const [, tick] = useState(0);
  useEffect(() => {
    if (since === null) return;
    const iv = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(iv);
  }, [since]);
  const running = since === null ? 0 : Math.max(0, Math.floor((Date.now() - since) / 1000));
  return (
    <p class="time-total">
      <strong data-testid="time-total">{formatDuration(total + running)}</strong>
      {since !== null && (
        <span class="muted small">
          {' '}
          · {t(kind === 'after-work' ? 'time.nowAfterWork' : 'time.nowHandling')} {formatDuration(running)}
        </span>
      )}
    </p>
  );
}

const FIELD_LABELS: Record<string, MsgKey> = {
  subject: 'case.subject',
  status: 'case.status',
  priority: 'case.priority',
  assignee_id: 'case.assignee',
  assignee: 'case.assignee',
  handling_team: 'case.team',
  handling_tariff: 'dist.historyTariff',
  topic_id: 'case.topic',
  topic: 'case.topic',
  tags: 'case.tags',
  due_at: 'case.due',
  contact_id: 'case.contact',
  contact: 'case.contact',
  channel: 'case.channel',
  custom: 'history.field.custom',
};

/** Rows that record an action (with what it concerned), not a field's old → new. */
const ACTION_LABELS: Record<string, MsgKey> = {
  created: 'history.action.created',
  routed: 'history.routed',
  merged_into: 'history.action.merged_into',
  merged_from: 'history.action.merged_from',
  link: 'history.action.link',
  attachment: 'history.action.attachment',
  note: 'history.action.note',
  notify: 'history.action.notify',
  reply: 'history.action.reply',
  webhook: 'history.action.webhook',
  'sla-warning': 'history.action.sla-warning',
  'sla-breached': 'history.action.sla-breached',
};

/** Who made the change: a person, a rule or the system. */
export function historyActor(h: HistoryEntry): string {
  if (h.user_name) return h.user_name;
  if (h.rule_name) return t('history.byRule', { name: h.rule_name });
  return t('history.system');
}

/** The label of a row: the field changed, or the action taken. */
export function historyLabel(h: HistoryEntry): string {
  if (h.field === 'link' && h.old_value !== null && h.new_value === null) return t('history.action.unlink');
  const key = ACTION_LABELS[h.field] ?? FIELD_LABELS[h.field];
  return key ? t(key) : t('history.field.other');
}

/** One side of a row as people read it: names for ids, words for codes. */
export function historyValue(h: HistoryEntry, side: 'old' | 'new'): string {
  const v = side === 'old' ? h.old_value : h.new_value;
  const refs = side === 'old' ? h.old_refs : h.new_refs;
  if (v === null || v === '') return t('common.none');
  if (h.refers_to && refs.length > 0) return refs.map((r) => r.name ?? t('history.deleted')).join(', ');
  const field = h.field;
  for (const prefix of ['status', 'priority', 'channel'] as const) {
    const key = `${prefix}.${v}`;
    if (field === prefix && hasMessage(key)) return t(key);
  }
  if (field === 'routed' && hasMessage(`routing.mode.${v}`)) return t(`routing.mode.${v}` as MsgKey);
  if (field === 'handling_team' && hasMessage(`kind.${v}`)) return t(`kind.${v}` as MsgKey);
  if (field === 'handling_team' && hasMessage(`dist.handling.${v}`)) return t(`dist.handling.${v}` as MsgKey);
  if (field === 'handling_tariff' && hasMessage(`dist.badge.${v}`)) return t(`dist.badge.${v}` as MsgKey);
  if ((field === 'sla-warning' || field === 'sla-breached') && hasMessage(`sla.target.${v}`)) return t(`sla.target.${v}` as MsgKey);
  if (field === 'due_at' && !Number.isNaN(new Date(v).getTime())) return formatDateTime(v);
  // Merges recorded before the reference stood alone carry "(N messages)".
  if (field === 'merged_into' || field === 'merged_from') return v.replace(/\s*\(\d+ messages?\)$/, '');
  return v;
}

/** A custom field as the history needs it: its label and how to show a value. */
type FieldInfo = Pick<CustomField, 'key' | 'label' | 'kind'>;

function parseValues(v: string | null): Record<string, unknown> {
  if (!v) return {};
  try {
    const parsed: unknown = JSON.parse(v);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** A change of custom fields as lines "Label: old → new", only the fields that changed. */
export function customChanges(h: HistoryEntry, fields: FieldInfo[]): { label: string; old: string; new: string }[] {
  const before = parseValues(h.old_value);
  const after = parseValues(h.new_value);
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => JSON.stringify(before[k] ?? null) !== JSON.stringify(after[k] ?? null));
  return keys.map((k) => {
    const field = fields.find((f) => f.key === k);
    return { label: field?.label ?? k, old: customValue(field, before[k]), new: customValue(field, after[k]) };
  });
}

function HistoryItem({ h, fields }: { h: HistoryEntry; fields: FieldInfo[] }) {
  const action = h.field in ACTION_LABELS;
  // A notification names its receivers before (old) and its text after.
  const detail = h.field === 'notify' ? `${historyValue(h, 'old')}: ${historyValue(h, 'new')}` : historyValue(h, h.field === 'link' && h.new_value === null ? 'old' : 'new');
  return (
    <li data-testid="history-item" data-field={h.field}>
      <div>
        <strong data-testid={h.user_name ? 'history-actor' : h.rule_name ? 'history-rule' : 'history-system'}>{historyActor(h)}</strong> · {historyLabel(h)}
      </div>
      {h.field === 'custom' ? (
        customChanges(h, fields).map((line) => (
          <div key={line.label} class="history-change" data-testid="history-custom-line">
            {line.label}: <span class="old">{line.old}</span> → <span>{line.new}</span>
          </div>
        ))
      ) : action ? (
        h.new_value !== null || h.old_value !== null ? <div class="history-change">{detail}</div> : null
      ) : (
        <div class="history-change">
          <span class="old">{historyValue(h, 'old')}</span> → <span>{historyValue(h, 'new')}</span>
        </div>
      )}
      <time class="muted small" dateTime={h.at}>
        {formatDateTime(h.at)}
      </time>
    </li>
  );
}

/** Linked cases, and linking or merging by case number (e.g. ACME-1042). */
function RelatedCases({ caseId, links, onChange }: { caseId: number; links: Case[]; onChange: () => void }) {
  const [reference, setReference] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [confirmMerge, setConfirmMerge] = useState<Case | null>(null);

  const find = async (): Promise<Case | null> => {
    setError(null);
    const page = await api.get<{ items: Case[] }>(`/cases${query({ ref: reference.trim(), view: 'all', limit: 1 })}`);
    if (!page.items.length) {
      setError(new Error(t('related.notFound', { ref: reference.trim() })));
      return null;
    }
    return page.items[0];
  };
  const run = (action: (other: Case) => Promise<void>) => async (e: Event) => {
    e.preventDefault();
    try {
      const other = await find();
      if (other) await action(other);
    } catch (err) {
      setError(err);
    }
  };
  const link = run(async (other) => {
    await api.post(`/cases/${caseId}/links`, { case_id: other.id });
    setReference('');
    onChange();
  });
  const merge = run(async (other) => setConfirmMerge(other));

  return (
    <section class="card side-card" data-testid="related-card">
      <h2>{t('related.title')}</h2>
      {links.length === 0 ? (
        <p class="muted">{t('related.none')}</p>
      ) : (
        <ul class="plain-list">
          {links.map((x) => (
            <li key={x.id}>
              <Link href={`/cases/${x.id}`}>{x.ref}</Link> <StatusBadge status={x.status} />{' '}
              <button
                type="button"
                class="btn btn-small btn-danger-quiet"
                onClick={() => void api.del(`/cases/${caseId}/links/${x.id}`).then(onChange, setError)}
              >
                {t('related.unlink')}
              </button>
              <div class="muted small">{x.subject}</div>
            </li>
          ))}
        </ul>
      )}
      <form class="related-form" onSubmit={link}>
        <label class="field-label" for="related-ref">
          {t('related.ref')}
        </label>
        <input
          id="related-ref"
          value={reference}
          placeholder="ACME-1042"
          onInput={(e) => setReference(e.currentTarget.value)}
          data-testid="related-ref"
        />
        <div class="related-actions">
          <button type="submit" class="btn btn-small" disabled={!reference.trim()} data-testid="related-link">
            {t('related.link')}
          </button>
          <button type="button" class="btn btn-small" disabled={!reference.trim()} onClick={merge} data-testid="related-merge">
            {t('related.merge')}
          </button>
        </div>
      </form>
      <ErrorBox error={error} />
      {confirmMerge && (
        <ConfirmModal
          title={t('related.merge')}
          text={t('related.confirmMerge', { ref: confirmMerge.ref })}
          confirmLabel={t('related.merge')}
          onClose={() => setConfirmMerge(null)}
          onConfirm={async () => {
            const target = await api.post<Case>(`/cases/${caseId}/merge`, { into_id: confirmMerge.id });
            navigate(`/cases/${target.id}`);
          }}
        />
      )}
    </section>
  );
}
