// Contact import from a CSV file: choose the client and the file, check it
// with the API's dry run (counts, errors by line, columns), then import.
// The real import skips lines with errors, so it runs only on a clean check
// or when the user explicitly accepts that those lines are left out.

import { Fragment } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, importContacts, type CustomField, type ImportReport, type List } from '../api';
import { formatBytes, formatNumber, t, type MsgKey } from '../i18n';
import { useSession } from '../session';
import { ErrorBox } from '../components/ErrorBox';
import { Field } from '../components/Field';
import { Link } from '../components/Link';
import { Loading, Page } from '../components/Page';
import { useLoad } from '../components/useLoad';
import { canManageCustomers, useClientChoices } from './customers/shared';

/** The contact columns the server knows, with the other header names it accepts (see `contacts::import`). */
const COLUMNS: { name: string; also: string; label: MsgKey; note?: MsgKey }[] = [
  { name: 'name', also: 'full name', label: 'common.name', note: 'import.note.name' },
  { name: 'email', also: 'e-mail, mail, emails', label: 'contacts.emails', note: 'import.note.email' },
  { name: 'phone', also: 'telefon, tel, phones', label: 'contacts.phones', note: 'import.note.list' },
  { name: 'organization', also: 'organisation, company, firma', label: 'contacts.organization', note: 'import.note.organization' },
  { name: 'customer_number', also: 'kundennummer, kdnr', label: 'contacts.customerNumber' },
  { name: 'language', also: 'sprache', label: 'common.locale', note: 'import.note.language' },
  { name: 'street', also: 'straße, address, adresse', label: 'contacts.street' },
  { name: 'postal_code', also: 'plz, zip, postcode', label: 'contacts.postalCode' },
  { name: 'city', also: 'ort, stadt', label: 'contacts.city' },
  { name: 'country', also: 'land', label: 'contacts.country' },
  { name: 'notes', also: 'notizen, bemerkung', label: 'contacts.notes' },
];

/** Error lines shown in the table; the counts always cover all of them. */
const MAX_SHOWN_ERRORS = 500;

/** One CSV cell, quoted where needed. */
function csvCell(v: string): string {
  return /[",;\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** A value of the example row that the server accepts for the field. */
function exampleValue(f: CustomField): string {
  switch (f.kind) {
    case 'date':
      return '2024-01-31';
    case 'number':
      return '3.5';
    case 'checkbox':
      return 'yes';
    case 'select':
    case 'multi-select':
      return f.options[0] ?? '';
    case 'text':
      return f.label;
  }
}

/** How a cell of this field is written. */
function formatHint(f: CustomField): string {
  switch (f.kind) {
    case 'date':
      return t('import.format.date');
    case 'number':
      return t('import.format.number');
    case 'checkbox':
      return t('import.format.checkbox');
    case 'select':
      return t('import.format.select', { options: f.options.join(' · ') });
    case 'multi-select':
      return t('import.format.multiSelect', { options: f.options.join(' · ') });
    case 'text':
      return '';
  }
}

/**
 * The file's bytes, read once when chosen: the check and the import then
 * send exactly the same content, even if the file on disk changes.
 */
interface ChosenFile {
  name: string;
  data: Blob;
}

export function ContactImportPage() {
  const { me } = useSession();
  const clients = useClientChoices().filter((c) => canManageCustomers(me, c.id));
  const [clientId, setClientId] = useState<number | null>(() => {
    const wanted = Number(new URLSearchParams(window.location.search).get('client_id'));
    return clients.some((c) => c.id === wanted) ? wanted : (clients[0]?.id ?? null);
  });
  const mask = useLoad(
    () => (clientId ? api.get<List<CustomField>>(`/clients/${clientId}/contact-fields`).then((r) => r.items.filter((f) => f.active)) : Promise.resolve([])),
    [clientId],
  );
  const [file, setFile] = useState<ChosenFile | null>(null);
  const [check, setCheck] = useState<ImportReport | null>(null);
  const [result, setResult] = useState<ImportReport | null>(null);
  const [skipErrors, setSkipErrors] = useState(false);
  const [busy, setBusy] = useState<'read' | 'check' | 'import' | null>(null);
  const [error, setError] = useState<unknown>(null);
  const reportRef = useRef<HTMLHeadingElement>(null);
  // Answers for an earlier file or client are dropped.
  const seq = useRef(0);

  const reset = () => {
    seq.current++;
    setCheck(null);
    setResult(null);
    setSkipErrors(false);
    setError(null);
    setBusy(null);
  };

  useEffect(() => {
    // Announce the report to screen readers and keyboard users.
    if (check || result) reportRef.current?.focus();
  }, [check, result]);

  const choose = async (input: HTMLInputElement) => {
    const picked = input.files?.[0];
    // Cleared so that picking the same (corrected) file again is a change too.
    input.value = '';
    if (!picked) return;
    reset();
    const my = seq.current;
    setBusy('read');
    try {
      const data = new Blob([await picked.arrayBuffer()]);
      if (my === seq.current) setFile({ name: picked.name, data });
    } catch (e) {
      if (my === seq.current) setError(e);
    } finally {
      if (my === seq.current) setBusy(null);
    }
  };

  const run = async (dryRun: boolean) => {
    if (!file || !clientId || busy) return;
    const my = ++seq.current;
    setBusy(dryRun ? 'check' : 'import');
    setError(null);
    try {
      const report = await importContacts(clientId, file.data, dryRun);
      if (my !== seq.current) return;
      if (dryRun) setCheck(report);
      else setResult(report);
    } catch (e) {
      if (my === seq.current) setError(e);
    } finally {
      if (my === seq.current) setBusy(null);
    }
  };

  const fields = mask.data ?? [];
  const example = [
    ['name', 'email', 'phone', 'organization', 'city', ...fields.map((f) => f.key)],
    ['Erika Mustermann', 'erika@example.com', '+49 30 1234567', 'Muster GmbH', 'Berlin', ...fields.map(exampleValue)],
  ]
    .map((row) => row.map(csvCell).join(','))
    .join('\n');
  const label = (field: string | null) => {
    const custom = field?.startsWith('custom.') ? fields.find((f) => `custom.${f.key}` === field) : undefined;
    return custom ? `${custom.label} (${field})` : (field ?? '');
  };
  const canImport = !!check && check.created + check.updated > 0 && (check.errors.length === 0 || skipErrors);

  return (
    <Page title={t('import.title')} testId="contact-import">
      <p class="breadcrumb">
        <Link href="/contacts">← {t('contacts.back')}</Link>
      </p>

      {result ? (
        <section class="card" aria-labelledby="import-result-title" data-testid="import-result">
          <h2 id="import-result-title" tabIndex={-1} ref={reportRef}>
            {t('import.done')}
          </h2>
          <p class="alert alert-ok" role="status">
            {t('import.doneText')}
          </p>
          <Counts report={result} />
          {result.errors.length > 0 && <ErrorTable report={result} label={label} />}
          <div class="form-actions">
            <button
              type="button"
              class="btn"
              onClick={() => {
                reset();
                setFile(null);
              }}
              data-testid="import-again"
            >
              {t('import.again')}
            </button>
            <Link href={`/contacts?client_id=${clientId ?? ''}`} class="btn btn-primary" testId="import-to-contacts">
              {t('import.toContacts')}
            </Link>
          </div>
        </section>
      ) : (
        <>
          <section class="card" aria-labelledby="import-file-title">
            <h2 id="import-file-title">{t('import.fileTitle')}</h2>
            <p class="muted">{t('import.intro')}</p>
            <div class="form">
              {clients.length > 1 && (
                <Field label={t('common.client')}>
                  <select
                    value={clientId ?? ''}
                    onChange={(e) => {
                      reset();
                      setClientId(Number(e.currentTarget.value) || null);
                    }}
                    data-testid="import-client"
                  >
                    {clients.map((c) => (
                      <option key={c.id} value={c.id}>
                        {c.name}
                      </option>
                    ))}
                  </select>
                </Field>
              )}
              <div class="banner">
                <label class="btn file-button">
                  {file ? t('import.chooseOther') : t('import.choose')}
                  <input
                    type="file"
                    accept=".csv,text/csv"
                    class="sr-only"
                    onChange={(e) => void choose(e.currentTarget)}
                    aria-describedby="import-file-hint"
                    data-testid="import-file"
                  />
                </label>
                {file && (
                  <span data-testid="import-file-name">
                    <strong>{file.name}</strong> <span class="muted">({formatBytes(file.data.size)})</span>
                  </span>
                )}
              </div>
              <p class="field-hint" id="import-file-hint">
                {t('import.fileHint')}
              </p>
              {!check && <ImportError error={error} size={file?.data.size ?? 0} />}
              <div class="form-actions">
                <button type="button" class={check ? 'btn' : 'btn btn-primary'} disabled={!file || !clientId || busy !== null} onClick={() => void run(true)} data-testid="import-check">
                  {busy === 'check' ? t('import.checking') : check ? t('import.checkAgain') : t('import.check')}
                </button>
              </div>
            </div>
          </section>

          {check && (
            <section class="card" aria-labelledby="import-check-title" data-testid="import-report">
              <h2 id="import-check-title" tabIndex={-1} ref={reportRef}>
                {t('import.reportTitle', { file: file?.name ?? '' })}
              </h2>
              <p class={check.errors.length ? 'alert alert-warn' : 'alert alert-ok'} role="status" data-testid="import-verdict">
                {check.errors.length ? t('import.verdictErrors') : t('import.verdictClean')}
              </p>
              <Counts report={check} />
              {check.custom_columns.length > 0 && (
                <p data-testid="import-custom-columns">
                  {t('import.customColumns')}{' '}
                  <CodeList items={check.custom_columns} />
                </p>
              )}
              {check.unknown_columns.length > 0 && (
                <p class="alert alert-info" data-testid="import-unknown-columns">
                  {t('import.unknownColumns')}{' '}
                  <CodeList items={check.unknown_columns} />
                </p>
              )}
              {check.errors.length > 0 && <ErrorTable report={check} label={label} />}
              {check.errors.length > 0 && check.created + check.updated > 0 && (
                <p>
                  <label class="check">
                    <input type="checkbox" checked={skipErrors} onChange={(e) => setSkipErrors(e.currentTarget.checked)} data-testid="import-skip-errors" />{' '}
                    {t('import.skipErrors', { n: formatNumber(check.errors.length) })}
                  </label>
                </p>
              )}
              {check.errors.length > 0 && !skipErrors && <p class="muted">{t('import.fixHint')}</p>}
              {check.created + check.updated === 0 && <p class="muted">{t('import.nothing')}</p>}
              {/* Where the buttons are that failed: a second check, or the import. */}
              <ImportError error={error} size={file?.data.size ?? 0} />
              <div class="form-actions">
                <button type="button" class="btn btn-primary" disabled={!canImport || busy !== null} onClick={() => void run(false)} data-testid="import-run">
                  {busy === 'import'
                    ? t('import.importing')
                    : t('import.run', { n: formatNumber(check.created + check.updated) })}
                </button>
              </div>
            </section>
          )}

          <section class="card" aria-labelledby="import-columns-title" data-testid="import-columns">
            <h2 id="import-columns-title">{t('import.columnsTitle')}</h2>
            <p class="muted">{t('import.columnsIntro')}</p>
            <div class="table-wrap">
              <table class="table table-dense">
                <thead>
                  <tr>
                    <th scope="col">{t('import.column')}</th>
                    <th scope="col">{t('import.alsoAccepted')}</th>
                    <th scope="col">{t('import.content')}</th>
                  </tr>
                </thead>
                <tbody>
                  {COLUMNS.map((c) => (
                    <tr key={c.name}>
                      <td>
                        <code>{c.name}</code>
                      </td>
                      <td class="muted">{c.also}</td>
                      <td>
                        {t(c.label)}
                        {c.note && <div class="muted small">{t(c.note)}</div>}
                      </td>
                    </tr>
                  ))}
                  {fields.map((f) => (
                    <tr key={f.key} data-testid="import-custom-field">
                      <td>
                        <code>{f.key}</code>
                      </td>
                      <td class="muted">
                        <code>custom.{f.key}</code>
                      </td>
                      <td>
                        {f.label} · {t(`fieldKind.${f.kind}`)}
                        {f.required && ` · ${t('import.requiredNew')}`}
                        {formatHint(f) && <div class="muted small">{formatHint(f)}</div>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {mask.loading && !mask.data && <Loading />}
            <ErrorBox error={mask.error} />
            <p>{t('import.customNote')}</p>
            <h3>{t('import.example')}</h3>
            <pre class="mono pre" data-testid="import-example">
              {example}
            </pre>
            <p>
              <a href={'data:text/csv;charset=utf-8,' + encodeURIComponent('\uFEFF' + example + '\n')} download="contacts-template.csv" class="btn btn-small">
                {t('import.template')}
              </a>{' '}
              <a href="/api/docs/" class="small">
                {t('import.apiDocs')}
              </a>
            </p>
          </section>
        </>
      )}
    </Page>
  );
}

/** A report's counts; in a dry run, what the import would do. */
function Counts({ report }: { report: ImportReport }) {
  const rows: [MsgKey, number, string][] = [
    ['import.rows', report.rows, 'rows'],
    [report.dry_run ? 'import.wouldCreate' : 'import.created', report.created, 'created'],
    [report.dry_run ? 'import.wouldUpdate' : 'import.updated', report.updated, 'updated'],
    [report.dry_run ? 'import.errorLines' : 'import.skipped', report.errors.length, 'errors'],
  ];
  return (
    <dl class="facts" data-testid="import-counts">
      {rows.map(([label, n, id]) => (
        <Fragment key={id}>
          <dt>{t(label)}</dt>
          <dd data-testid={`import-count-${id}`}>{formatNumber(n)}</dd>
        </Fragment>
      ))}
    </dl>
  );
}

/** Column names, comma-separated. */
function CodeList({ items }: { items: string[] }) {
  return (
    <>
      {items.map((item, i) => (
        <Fragment key={item}>
          {i > 0 && ', '}
          <code>{item}</code>
        </Fragment>
      ))}
    </>
  );
}

/** The skipped lines of a report: line, column, message. */
function ErrorTable({ report, label }: { report: ImportReport; label: (field: string | null) => string }) {
  const shown = [...report.errors].sort((a, b) => a.line - b.line).slice(0, MAX_SHOWN_ERRORS);
  return (
    <>
      <div class="table-wrap">
        <table class="table table-dense" data-testid="import-errors">
          <caption class="sr-only">{t('import.errorsCaption')}</caption>
          <thead>
            <tr>
              <th scope="col" class="num">
                {t('import.line')}
              </th>
              <th scope="col">{t('import.column')}</th>
              <th scope="col">{t('import.message')}</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((e, i) => (
              <tr key={i} data-testid="import-error-row" data-line={e.line}>
                <td class="num">{formatNumber(e.line)}</td>
                <td>{e.field ? <code>{label(e.field)}</code> : t('common.none')}</td>
                <td>{e.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {report.errors.length > shown.length && (
        <p class="muted">{t('import.moreErrors', { shown: formatNumber(shown.length), n: formatNumber(report.errors.length) })}</p>
      )}
    </>
  );
}

/**
 * The API's problems with the file as a whole, said in the user's terms: too
 * large (with the server's limit, which only its answer names) or unreadable
 * (with the server's reason); anything else as everywhere else.
 */
function ImportError({ error, size }: { error: unknown; size: number }) {
  if (error instanceof ApiError && error.code === 'payload-too-large') {
    const limit = /(\d+) bytes/.exec(error.problem.detail ?? '')?.[1];
    return (
      <div class="alert alert-error" role="alert" data-testid="error">
        {limit
          ? t('import.tooLarge', { size: formatBytes(size), limit: formatBytes(Number(limit)) })
          : t('import.tooLargeNoLimit', { size: formatBytes(size) })}
      </div>
    );
  }
  if (error instanceof ApiError && error.code === 'import-invalid') {
    return (
      <div class="alert alert-error" role="alert" data-testid="error">
        {t('import.unreadable', { detail: error.problem.detail ?? '' })}
        <div class="small">{t('import.unreadableHint')}</div>
      </div>
    );
  }
  return <ErrorBox error={error} />;
}
