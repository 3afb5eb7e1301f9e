// The agent workspace list: views with live counts on the left, a dense,
// sortable case table with bulk actions on the right. Live via /api/v1/events.

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import {
  api,
  CASE_STATUSES,
  CHANNELS,
  TEAM_KINDS,
  type CaseCounts,
  type CaseFilters,
  type CaseSort,
  type CaseStatus,
  type SavedView,
} from '../api';
import { formatNumber, t, type MsgKey } from '../i18n';
import { navigate } from '../router';
import { useSession } from '../session';
import { ErrorBox } from '../components/ErrorBox';
import { Field } from '../components/Field';
import { ConfirmModal, FormModal } from '../components/Modal';
import { Loading, Page } from '../components/Page';
import { useProjectData } from '../components/caseBits';
import { LogCallDialog, NewCaseDialog } from '../components/CaseDialogs';
import { useShortcuts } from '../components/shortcuts';
import { useStoredState } from '../components/useStoredState';
import { useCaseList } from './cases/useCaseList';
import { ColumnsMenu, useCaseColumns } from './cases/columns';

const STORAGE_KEY = 'zezaro.cases.view';

interface ViewEntry {
  key: string;
  label: string;
  filters: CaseFilters;
  count?: number;
  saved?: SavedView;
}

interface Active {
  key: string;
  filters: CaseFilters;
}

const DEFAULT_ACTIVE: Active = { key: 'mine', filters: { view: 'mine', sort: '-updated_at' } };

function loadActive(): Active {
  try {
    const v = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as Active | null;
    if (v && typeof v.key === 'string' && v.filters && typeof v.filters === 'object') return v;
  } catch {
    /* ignore */
  }
  return DEFAULT_ACTIVE;
}


export function CasesPage() {
  const { me, projectId } = useSession();
  const [active, setActiveState] = useState<Active>(loadActive);
  const filters = active.filters;
  const setActive = (a: Active) => {
    setActiveState(a);
    try {
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify(a));
    } catch {
      /* ignore */
    }
  };

  const [columns, setColumns, shownColumns] = useCaseColumns(me.user.id);
  const [viewsHidden, setViewsHidden] = useStoredState(`zezaro.cases.viewsHidden.${me.user.id}`, (v) => (typeof v === 'boolean' ? v : null), false);

  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [cursor, setCursor] = useState(-1);
  const [dialog, setDialog] = useState<'new' | 'call' | 'save' | { del: SavedView } | null>(null);
  const [notice, setNotice] = useState('');
  const rowRefs = useRef<(HTMLAnchorElement | null)[]>([]);
  const list = useCaseList(projectId, filters, () => {
    setSelected(new Set());
    setCursor(-1);
  });
  const { items, next, loading, error, setError, counts, views, fresh, load, loadCounts, loadViews } = list;

  // ---------- the views column ----------
  const { topics, members } = useProjectData(projectId);
  const entries = useMemo(() => buildViews(counts, topics, views, active.key), [counts, topics, views, active.key]);
  const chooseView = (v: ViewEntry) => setActive({ key: v.key, filters: { ...v.filters, sort: v.filters.sort ?? filters.sort } });

  const setFilter = (patch: Partial<CaseFilters>) => {
    const nextFilters = { ...filters, ...patch };
    for (const k of Object.keys(nextFilters) as (keyof CaseFilters)[]) if (nextFilters[k] === undefined || nextFilters[k] === '') delete nextFilters[k];
    setActive({ key: active.key, filters: nextFilters });
  };

  // ---------- selection, keyboard ----------
  const toggle = (id: number) => {
    const s = new Set(selected);
    if (s.has(id)) s.delete(id);
    else s.add(id);
    setSelected(s);
  };
  const allSelected = items.length > 0 && items.every((c) => selected.has(c.id));
  const moveCursor = (delta: number) => {
    if (!items.length) return;
    const i = Math.max(0, Math.min(items.length - 1, cursor < 0 ? (delta > 0 ? 0 : items.length - 1) : cursor + delta));
    setCursor(i);
    rowRefs.current[i]?.focus();
    rowRefs.current[i]?.closest('tr')?.scrollIntoView({ block: 'nearest' });
  };
  const bulk = async (body: Record<string, unknown>, ids = [...selected]) => {
    if (!ids.length) return;
    setNotice('');
    setError(null);
    try {
      const r = await api.post<{ updated: number }>('/cases/bulk', { case_ids: ids, ...body });
      setNotice(t('bulk.done', { n: r?.updated ?? ids.length }));
      setSelected(new Set());
      await Promise.all([load('refresh'), loadCounts()]);
    } catch (e) {
      setError(e);
    }
  };
  useShortcuts({
    j: () => moveCursor(1),
    k: () => moveCursor(-1),
    x: () => cursor >= 0 && items[cursor] && toggle(items[cursor].id),
    Enter: () => cursor >= 0 && items[cursor] && navigate(`/cases/${items[cursor].id}`),
    a: () => {
      const ids = selected.size ? [...selected] : cursor >= 0 && items[cursor] ? [items[cursor].id] : [];
      void bulk({ assignee_id: me.user.id }, ids);
    },
  });

  const sortBy = (options: CaseSort[]) => {
    const i = options.indexOf(filters.sort ?? '-updated_at');
    setFilter({ sort: options[(i + 1) % options.length] });
  };

  const activeLabel = entries.find((e) => e.key === active.key)?.label ?? t('views.custom');
  const projectLabel = me.projects.find((p) => p.id === projectId);

  return (
    <Page
      title={t('cases.title')}
      testId="cases-page"
      wide
      actions={
        <>
          <button type="button" class="btn" onClick={() => setDialog('call')} data-testid="log-call">
            {t('call.log')}
          </button>
          <button type="button" class="btn btn-primary" onClick={() => setDialog('new')} data-testid="new-case">
            {t('cases.new')}
          </button>
        </>
      }
    >
      <div class={viewsHidden ? 'workspace workspace-views-hidden' : 'workspace'}>
        <nav id="case-views" class="views" aria-label={t('views.title')} data-testid="views" hidden={viewsHidden}>
          <ViewList entries={entries} activeKey={active.key} onChoose={chooseView} onDelete={(v) => setDialog({ del: v })} />
        </nav>
        <div class="workspace-main">
          <div class="list-toolbar">
            <button
              type="button"
              class="btn btn-small views-toggle"
              aria-expanded={!viewsHidden}
              aria-controls="case-views"
              onClick={() => setViewsHidden(!viewsHidden)}
              data-testid="views-toggle"
            >
              {t(viewsHidden ? 'views.show' : 'views.hide')}
            </button>
            <label class="views-select">
              <span class="sr-only">{t('views.title')}</span>
              <select
                value={active.key}
                onChange={(e) => {
                  const v = entries.find((x) => x.key === e.currentTarget.value);
                  if (v) chooseView(v);
                }}
              >
                {!entries.some((e) => e.key === active.key) && <option value={active.key}>{t('views.custom')}</option>}
                {entries.map((v) => (
                  <option key={v.key} value={v.key}>
                    {v.label}
                    {v.count !== undefined ? ` (${formatNumber(v.count)})` : ''}
                  </option>
                ))}
              </select>
            </label>
            <h2 class="list-title" aria-live="polite">
              {activeLabel}
              {projectLabel && <span class="muted"> · {projectLabel.key}</span>}
            </h2>
            <div class="list-filters">
              <label>
                <span class="sr-only">{t('case.status')}</span>
                <select class="select-small" value={filters.status ?? ''} onChange={(e) => setFilter({ status: e.currentTarget.value || undefined })} data-testid="filter-status">
                  <option value="">{t('filters.anyStatus')}</option>
                  {CASE_STATUSES.map((s) => (
                    <option key={s} value={s}>
                      {t(`status.${s}`)}
                    </option>
                  ))}
                </select>
              </label>
              <TagFilter value={filters.tag ?? ''} onChange={(tag) => setFilter({ tag: tag || undefined })} />
              <ColumnsMenu shown={shownColumns} onChange={setColumns} />
              <button type="button" class="btn btn-small" onClick={() => setDialog('save')} data-testid="save-view">
                {t('views.save')}
              </button>
            </div>
          </div>

          {selected.size > 0 && (
            <BulkBar count={selected.size} members={projectId ? members : []} topics={projectId ? topics : []} meId={me.user.id} onApply={(b) => void bulk(b)} onClear={() => setSelected(new Set())} />
          )}
          {notice && (
            <div class="alert alert-ok" role="status">
              {notice}
            </div>
          )}
          <ErrorBox error={error} />

          <div class="table-wrap">
            <table class="table table-dense table-cards case-table" data-testid="case-table">
              <thead>
                <tr>
                  <th scope="col" class="col-check">
                    <input
                      type="checkbox"
                      aria-label={t('bulk.selectAll')}
                      checked={allSelected}
                      onChange={() => setSelected(allSelected ? new Set() : new Set(items.map((c) => c.id)))}
                    />
                  </th>
                  <SortTh label={t('case.ref')} sort={filters.sort} options={['-created_at', 'created_at']} onSort={sortBy} class="col-ref" />
                  <th scope="col" class="col-subject">
                    {t('case.subject')}
                  </th>
                  {columns.map((col) =>
                    col.sort ? (
                      <SortTh key={col.key} label={t(col.label)} sort={filters.sort} options={col.sort} onSort={sortBy} class={`col-${col.key}`} />
                    ) : (
                      <th key={col.key} scope="col" class={`col-${col.key}`}>
                        {t(col.label)}
                      </th>
                    ),
                  )}
                </tr>
              </thead>
              <tbody>
                {!loading && items.length === 0 && (
                  <tr>
                    <td colSpan={columns.length + 3} class="empty">
                      {t('cases.empty')}
                    </td>
                  </tr>
                )}
                {items.map((c, i) => (
                  <tr
                    key={c.id}
                    data-testid="case-row"
                    data-case-id={c.id}
                    class={[i === cursor ? 'row-cursor' : '', fresh.has(c.id) ? 'row-fresh' : '', selected.has(c.id) ? 'row-selected' : ''].join(' ')}
                    onClick={(e) => {
                      const el = e.target as HTMLElement;
                      if (el.closest('a, input, button, label')) return;
                      navigate(`/cases/${c.id}`);
                    }}
                  >
                    <td class="col-check">
                      <input type="checkbox" aria-label={t('bulk.select', { ref: c.ref })} checked={selected.has(c.id)} onChange={() => toggle(c.id)} />
                    </td>
                    <td class="col-ref" title={c.ref}>
                      <a
                        href={`/cases/${c.id}`}
                        class="case-ref"
                        ref={(el) => {
                          rowRefs.current[i] = el;
                        }}
                        onFocus={() => setCursor(i)}
                        onClick={(e) => {
                          if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
                          e.preventDefault();
                          navigate(`/cases/${c.id}`);
                        }}
                      >
                        {c.ref}
                      </a>
                    </td>
                    <td class="col-subject" data-testid="case-subject-cell" title={c.tags.length ? `${c.subject} (${c.tags.join(', ')})` : c.subject}>
                      {c.subject}
                      {c.tags.map((tag) => (
                        <span key={tag} class="tag">
                          {tag}
                        </span>
                      ))}
                    </td>
                    {columns.map((col) => (
                      <td
                        key={col.key}
                        class={`col-${col.key} ${col.cellClass?.(c) ?? ''}`}
                        title={col.text?.(c)}
                        data-label={col.cardLabel ? t(col.label) : undefined}
                        data-testid={`case-${col.key}-cell`}
                      >
                        {col.cell(c)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {loading && <Loading />}
          <div class="pager">
            {next && !loading && (
              <button type="button" class="btn" onClick={() => void load('more')} data-testid="cases-more">
                {t('audit.more')}
              </button>
            )}
          </div>
          <p class="muted hint-keys">{t('cases.keysHint')}</p>
        </div>
      </div>

      {dialog === 'new' && <NewCaseDialog onClose={() => setDialog(null)} onCreated={(c) => navigate(`/cases/${c.id}`)} />}
      {dialog === 'call' && <LogCallDialog onClose={() => setDialog(null)} onCreated={(c) => navigate(`/cases/${c.id}`)} />}
      {dialog === 'save' && (
        <SaveViewDialog
          filters={filters}
          onClose={() => setDialog(null)}
          onSaved={async (v) => {
            await loadViews();
            if (v?.id) setActive({ key: `saved-${v.id}`, filters: v.query ?? filters });
          }}
        />
      )}
      {dialog && typeof dialog === 'object' && (
        <ConfirmModal
          title={t('views.delete')}
          text={t('views.confirmDelete', { name: dialog.del.name })}
          confirmLabel={t('common.delete')}
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await api.del(`/views/${dialog.del.id}`);
            if (active.key === `saved-${dialog.del.id}`) setActive(DEFAULT_ACTIVE);
            await loadViews();
          }}
        />
      )}
    </Page>
  );
}

function buildViews(counts: CaseCounts | null, topics: { id: number; name: string }[], saved: SavedView[], activeKey: string): ViewEntry[] {
  const v: ViewEntry[] = [
    { key: 'mine', label: t('views.mine'), filters: { view: 'mine' }, count: counts?.mine },
    { key: 'unassigned', label: t('views.unassigned'), filters: { view: 'unassigned' }, count: counts?.unassigned },
    { key: 'open', label: t('views.open'), filters: { view: 'open' }, count: counts?.open },
    { key: 'due-soon', label: t('views.dueSoon'), filters: { view: 'open', due: 'soon' }, count: counts?.due_soon },
    { key: 'overdue', label: t('views.overdue'), filters: { view: 'open', due: 'overdue' }, count: counts?.overdue },
    { key: 'all', label: t('views.all'), filters: { view: 'all' } },
  ];
  for (const k of TEAM_KINDS)
    v.push({ key: `team-${k}`, label: t(`kind.${k}`), filters: { view: 'open', team: k }, count: counts?.by_team?.[k] ?? 0 });
  // Topics from the counts (they know names across projects), plus topics without open cases.
  const seen = new Set<number>();
  for (const tp of counts?.by_topic ?? []) {
    seen.add(tp.topic_id);
    v.push({ key: `topic-${tp.topic_id}`, label: tp.name, filters: { view: 'open', topic_id: tp.topic_id }, count: tp.count });
  }
  for (const tp of topics) if (!seen.has(tp.id)) v.push({ key: `topic-${tp.id}`, label: tp.name, filters: { view: 'open', topic_id: tp.id }, count: 0 });
  // Only channels the visible cases use (a channel nobody writes in is noise),
  // and the one being looked at.
  for (const c of CHANNELS) {
    const count = counts?.by_channel?.[c] ?? 0;
    if (count > 0 || activeKey === `channel-${c}`) v.push({ key: `channel-${c}`, label: t(`channel.${c}`), filters: { view: 'open', channel: c }, count });
  }
  for (const s of saved) v.push({ key: `saved-${s.id}`, label: s.name, filters: s.query ?? {}, saved: s });
  return v;
}

const GROUPS: { label: MsgKey | null; test: (key: string) => boolean }[] = [
  { label: null, test: (k) => !/^(team|topic|channel|saved)-/.test(k) },
  { label: 'views.byTeam', test: (k) => k.startsWith('team-') },
  { label: 'views.byTopic', test: (k) => k.startsWith('topic-') },
  { label: 'views.byChannel', test: (k) => k.startsWith('channel-') },
  { label: 'views.saved', test: (k) => k.startsWith('saved-') },
];

function ViewList({ entries, activeKey, onChoose, onDelete }: { entries: ViewEntry[]; activeKey: string; onChoose: (v: ViewEntry) => void; onDelete: (v: SavedView) => void }) {
  return (
    <>
      {GROUPS.map((g) => {
        const list = entries.filter((e) => g.test(e.key));
        if (!list.length) return null;
        return (
          <div class="views-group" key={g.label ?? 'main'}>
            {g.label && <div class="nav-heading">{t(g.label)}</div>}
            <ul>
              {list.map((v) => (
                <li key={v.key} class="views-item">
                  <button
                    type="button"
                    class="view-link"
                    aria-current={v.key === activeKey ? 'true' : undefined}
                    onClick={() => onChoose(v)}
                    data-testid={`view-${v.key}`}
                  >
                    <span class="view-label">{v.label}</span>
                    {v.count !== undefined && (
                      <span class="count" data-testid={`count-${v.key}`}>
                        {formatNumber(v.count)}
                      </span>
                    )}
                  </button>
                  {v.saved && (
                    <button type="button" class="btn-icon btn-tiny" aria-label={t('views.deleteNamed', { name: v.label })} onClick={() => onDelete(v.saved!)}>
                      ×
                    </button>
                  )}
                </li>
              ))}
            </ul>
          </div>
        );
      })}
    </>
  );
}

function SortTh(props: { label: string; sort: CaseSort | undefined; options: CaseSort[]; onSort: (o: CaseSort[]) => void; class: string }) {
  const { label, sort, options, onSort } = props;
  const cur = sort ?? '-updated_at';
  const on = options.includes(cur);
  const dir = on ? (cur.startsWith('-') ? 'descending' : 'ascending') : undefined;
  return (
    <th scope="col" aria-sort={dir ?? 'none'} class={props.class}>
      <button type="button" class="sort-button" onClick={() => onSort(options)}>
        {label}
        <span aria-hidden="true" class="sort-mark">
          {dir === 'descending' ? '▼' : dir === 'ascending' ? '▲' : '↕'}
        </span>
      </button>
    </th>
  );
}

function TagFilter({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  return (
    <form
      class="tag-filter"
      onSubmit={(e) => {
        e.preventDefault();
        onChange(text.trim());
      }}
    >
      <label>
        <span class="sr-only">{t('case.tags')}</span>
        <input class="input-small" placeholder={t('filters.tag')} value={text} onInput={(e) => setText(e.currentTarget.value)} onBlur={() => text.trim() !== value && onChange(text.trim())} />
      </label>
    </form>
  );
}

function BulkBar(props: {
  count: number;
  members: { user_id: number; user_name: string }[];
  topics: { id: number; name: string }[];
  meId: number;
  onApply: (body: Record<string, unknown>) => void;
  onClear: () => void;
}) {
  const [tag, setTag] = useState('');
  return (
    <div class="bulk-bar" role="region" aria-label={t('bulk.title')} data-testid="bulk-bar">
      <strong>{t('bulk.selected', { n: formatNumber(props.count) })}</strong>
      <button type="button" class="btn btn-small" onClick={() => props.onApply({ assignee_id: props.meId })} data-testid="bulk-assign-me">
        {t('bulk.assignMe')}
      </button>
      {props.members.length > 0 && (
        <label>
          <span class="sr-only">{t('bulk.assignTo')}</span>
          <select
            class="select-small"
            value=""
            onChange={(e) => {
              const v = e.currentTarget.value;
              if (v) props.onApply({ assignee_id: Number(v) });
            }}
          >
            <option value="">{t('bulk.assignTo')}</option>
            {props.members.map((m) => (
              <option key={m.user_id} value={m.user_id}>
                {m.user_name}
              </option>
            ))}
          </select>
        </label>
      )}
      <label>
        <span class="sr-only">{t('bulk.setStatus')}</span>
        <select
          class="select-small"
          value=""
          onChange={(e) => {
            const v = e.currentTarget.value as CaseStatus | '';
            if (v) props.onApply({ status: v });
          }}
          data-testid="bulk-status"
        >
          <option value="">{t('bulk.setStatus')}</option>
          {CASE_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`status.${s}`)}
            </option>
          ))}
        </select>
      </label>
      {props.topics.length > 0 && (
        <label>
          <span class="sr-only">{t('bulk.setTopic')}</span>
          <select
            class="select-small"
            value=""
            onChange={(e) => {
              const v = e.currentTarget.value;
              if (v) props.onApply({ topic_id: Number(v) });
            }}
          >
            <option value="">{t('bulk.setTopic')}</option>
            {props.topics.map((tp) => (
              <option key={tp.id} value={tp.id}>
                {tp.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <form
        class="bulk-tag"
        onSubmit={(e) => {
          e.preventDefault();
          if (tag.trim()) {
            props.onApply({ add_tags: [tag.trim()] });
            setTag('');
          }
        }}
      >
        <input class="input-small" aria-label={t('bulk.addTag')} placeholder={t('bulk.addTag')} value={tag} onInput={(e) => setTag(e.currentTarget.value)} />
        <button type="submit" class="btn btn-small" disabled={!tag.trim()}>
          {t('bulk.add')}
        </button>
      </form>
      <button type="button" class="btn btn-small btn-quiet" onClick={props.onClear}>
        {t('bulk.clear')}
      </button>
    </div>
  );
}

function SaveViewDialog({ filters, onClose, onSaved }: { filters: CaseFilters; onClose: () => void; onSaved: (v: SavedView | undefined) => Promise<void> }) {
  const [name, setName] = useState('');
  return (
    <FormModal
      title={t('views.save')}
      submitLabel={t('common.save')}
      onClose={onClose}
      testId="save-view-form"
      onSubmit={async () => {
        const v = await api.post<SavedView>('/views', { name: name.trim(), query: filters });
        await onSaved(v);
      }}
    >
      <p class="muted">{t('views.saveHint')}</p>
      <Field label={t('common.name')}>
        <input required maxLength={80} value={name} onInput={(e) => setName(e.currentTarget.value)} data-testid="view-name" />
      </Field>
    </FormModal>
  );
}
