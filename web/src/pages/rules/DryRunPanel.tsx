// The dry run: pick a case by reference or subject, run the rule being
// edited (its saved version) or all active rules on it, and show what each
// rule that would fire would change, in words and names. The server runs
// the real engine on a savepoint it rolls back: nothing is changed.

import { useState } from 'preact/hooks';
import { api, query, type Case, type CasePage, type SearchResults } from '../../api';
import { hasMessage, t, type MsgKey } from '../../i18n';
import { ErrorBox } from '../../components/ErrorBox';
import type { components } from '../../generated/openapi';
import { fieldLabel } from './ConditionEditor';
import { topicLabel, type Refs } from './refs';
import { BUILTIN_FIELDS } from './ruleModel';
import { RULE_EVENTS } from './events';

type DryRun = components['schemas']['DryRun'];
type Change = components['schemas']['Change'];
type RuleEvent = components['schemas']['RuleEvent'];

/** A reference such as `ACME-1042`. */
const REFERENCE = /^[a-z][a-z0-9]*-\d+$/i;

/** The skip reasons the engine gives, in the UI's words. */
const SKIP_REASONS: Record<string, MsgKey> = {
  "no such topic in the case's project": 'rules.skip.topic',
  'a case has at most 20 tags': 'rules.skip.tags',
  "the assignee is no active member of the case's project": 'rules.skip.assignee',
};

function fieldName(field: string, refs: Refs): string {
  if (field === 'note') return t('rules.change.note');
  if (field === 'notify') return t('rules.change.notify');
  if (field.startsWith('custom.')) {
    const f = refs.caseFields.find((x) => `custom.${x.key}` === field);
    if (f) return f.label;
  }
  return fieldLabel(BUILTIN_FIELDS.find((d) => d.key === field), field);
}

/** A changed value in words: labels for statuses and the like, names for ids. */
export function valueText(field: string, v: string | null | undefined, refs: Refs): string {
  if (v === null || v === undefined || v === '') return t('rules.nothing');
  const key = (prefix: string) => `${prefix}.${v}`;
  switch (field) {
    case 'status':
    case 'priority':
    case 'channel': {
      const k = key(field);
      return hasMessage(k) ? t(k) : v;
    }
    case 'handling_team': {
      const k = key('kind');
      return hasMessage(k) ? t(k) : v;
    }
    case 'topic_id': {
      const tp = refs.topics.find((x) => String(x.id) === v);
      return tp ? topicLabel(tp) : t('rules.unknownRef', { id: v });
    }
    case 'assignee_id': {
      const u = refs.users.find((x) => String(x.id) === v);
      return u ? u.name : t('rules.unknownRef', { id: v });
    }
    default:
      return v;
  }
}

function ChangeRow({ c, refs }: { c: Change; refs: Refs }) {
  const field = fieldName(c.field, refs);
  if (c.skipped) {
    const reason = SKIP_REASONS[c.skipped];
    return (
      <li class="rule-change rule-change-skipped" data-testid="dryrun-change">
        <strong>{field}</strong>: {t('rules.skipped')} – <span title={c.skipped}>{reason ? t(reason) : t('rules.skip.other')}</span>
      </li>
    );
  }
  if (c.field === 'note') {
    return (
      <li class="rule-change" data-testid="dryrun-change">
        <strong>{field}</strong>: {t('rules.quoted', { text: c.new ?? '' })}
      </li>
    );
  }
  if (c.field === 'notify') {
    const names = (c.old ?? '')
      .split(',')
      .filter(Boolean)
      .map((id) => refs.users.find((u) => String(u.id) === id)?.name ?? t('rules.unknownRef', { id }));
    return (
      <li class="rule-change" data-testid="dryrun-change">
        <strong>{field}</strong>: {names.join(', ')} – {t('rules.quoted', { text: c.new ?? '' })}
      </li>
    );
  }
  return (
    <li class="rule-change" data-testid="dryrun-change">
      <strong>{field}</strong>: <span class="old">{valueText(c.field, c.old, refs)}</span> → <span>{valueText(c.field, c.new, refs)}</span>
    </li>
  );
}

export function DryRunPanel(props: { clientId: number; ruleId: number | null; ruleName: string; event: RuleEvent; dirty: boolean; refs: Refs }) {
  const [q, setQ] = useState('');
  const [hits, setHits] = useState<Case[] | null>(null);
  const [picked, setPicked] = useState<Case | null>(null);
  const [scope, setScope] = useState<'rule' | 'all'>(props.ruleId ? 'rule' : 'all');
  const [event, setEvent] = useState<RuleEvent>(props.event);
  const [result, setResult] = useState<DryRun | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const inClient = (c: Case) => props.refs.projects.some((p) => p.id === c.project_id);

  const search = async (e: Event) => {
    e.preventDefault();
    const text = q.trim();
    setError(null);
    try {
      // Empty: the newest cases; a reference: that case; else the search.
      const found = !text
        ? (await api.get<CasePage>(`/cases${query({ view: 'all', limit: 10 })}`)).items
        : REFERENCE.test(text)
          ? (await api.get<CasePage>(`/cases${query({ ref: text.toUpperCase(), view: 'all', limit: 5 })}`)).items
          : (await api.get<SearchResults>(`/search${query({ q: text, limit: 20 })}`)).cases;
      setHits(found.filter(inClient));
    } catch (err) {
      setError(err);
    }
  };

  const run = async () => {
    if (!picked) return;
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      setResult(await api.post<DryRun>('/rules/dry-run', { case_id: picked.id, event, rule_id: scope === 'rule' && props.ruleId ? props.ruleId : undefined }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card rule-dryrun" data-testid="rule-dryrun">
      <h2>{t('rules.dryRun')}</h2>
      <p class="muted small">{t('rules.dryRunHelp')}</p>
      <form class="rule-dryrun-search" onSubmit={search} role="search">
        <label class="field">
          <span class="field-label">{t('rules.findCase')}</span>
          <input value={q} onInput={(e) => setQ(e.currentTarget.value)} placeholder={t('rules.findCasePlaceholder')} data-testid="dryrun-query" />
        </label>
        <button type="submit" class="btn" data-testid="dryrun-search">
          {t('rules.search')}
        </button>
      </form>
      {hits && hits.length === 0 && <p class="muted">{t('rules.noCasesFound')}</p>}
      {hits && hits.length > 0 && (
        <ul class="rule-dryrun-hits" data-testid="dryrun-hits">
          {hits.map((c) => (
            <li key={c.id}>
              <label class="checkbox">
                <input type="radio" name="dryrun-case" checked={picked?.id === c.id} onChange={() => setPicked(c)} data-testid="dryrun-hit" />{' '}
                <strong>{c.ref}</strong> · {c.subject}
              </label>
            </li>
          ))}
        </ul>
      )}
      <div class="rule-dryrun-options">
        {props.ruleId !== null && (
          <fieldset class="rule-choice-list">
            <legend class="field-label">{t('rules.dryRunScope')}</legend>
            <label class="checkbox">
              <input type="radio" name="dryrun-scope" checked={scope === 'rule'} onChange={() => setScope('rule')} data-testid="dryrun-scope-rule" /> {t('rules.dryRunThis', { name: props.ruleName })}
            </label>
            <label class="checkbox">
              <input type="radio" name="dryrun-scope" checked={scope === 'all'} onChange={() => setScope('all')} data-testid="dryrun-scope-all" /> {t('rules.dryRunAll')}
            </label>
          </fieldset>
        )}
        <label class="field">
          <span class="field-label">{t('rules.dryRunEvent')}</span>
          <select value={event} onChange={(e) => setEvent(e.currentTarget.value as RuleEvent)} data-testid="dryrun-event">
            {RULE_EVENTS.map((ev) => (
              <option key={ev} value={ev}>
                {t(`rules.event.${ev}` as MsgKey)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {scope === 'rule' && props.dirty && <p class="alert rule-warning">{t('rules.dryRunSavedOnly')}</p>}
      <button type="button" class="btn btn-primary" disabled={!picked || busy} onClick={() => void run()} data-testid="dryrun-run">
        {busy ? t('rules.running') : picked ? t('rules.runOn', { ref: picked.ref }) : t('rules.pickCase')}
      </button>
      <ErrorBox error={error} />
      {result && (
        <div class="rule-dryrun-result" data-testid="dryrun-result" aria-live="polite">
          <p class="alert alert-info" data-testid="dryrun-nothing-changed">
            {t('rules.nothingChanged')}
          </p>
          {result.runs.length === 0 && <p data-testid="dryrun-none">{t('rules.wouldFireNone', { ref: picked?.ref ?? '' })}</p>}
          {result.runs.map((r, i) => (
            <div key={i} class="rule-dryrun-run" data-testid="dryrun-run-rule">
              <h3>
                {t('rules.wouldFire', { name: r.rule_name })}
                {r.depth > 0 && <span class="muted small"> · {t('rules.chained', { n: r.depth + 1 })}</span>}
              </h3>
              {r.changes.length === 0 ? (
                <p class="muted small">{t('rules.noChange')}</p>
              ) : (
                <ul class="rule-changes">
                  {r.changes.map((c, j) => (
                    <ChangeRow key={j} c={c} refs={props.refs} />
                  ))}
                </ul>
              )}
            </div>
          ))}
        </div>
      )}
    </section>
  );
}
