// Admin: the project's mailboxes (IMAP in, SMTP out). Passwords are
// write-only: the API never answers them, the form only replaces them.
// Check connection shows the reason of a failure; the fetcher's state and
// the flagged messages are listed per mailbox.

import { useState } from 'preact/hooks';
import { api, type AfterFetch, type CheckResult, type ConnectionCheck, type InboundMail, type List, type Mailbox, type MailFlag, type RunReport, type Security } from '../api';
import { formatDateTime, hasMessage, t, type MsgKey } from '../i18n';
import { ErrorBox } from '../components/ErrorBox';
import { Field } from '../components/Field';
import { LocaleInput } from '../components/LocaleInput';
import { Link } from '../components/Link';
import { ConfirmModal, FormModal } from '../components/Modal';
import { Loading } from '../components/Page';
import { useLoad } from '../components/useLoad';
import { SchedulePicker } from '../components/Schedule';

const FLAG_KEYS: Record<MailFlag, MsgKey> = {
  'unknown-charset': 'mail.flag.unknownCharset',
  'no-header-separator': 'mail.flag.noHeaderSeparator',
  'broken-multipart': 'mail.flag.brokenMultipart',
  'message-id-reused': 'mail.flag.messageIdReused',
  'sender-is-user': 'mail.flag.senderIsUser',
};

/** The flags of an inbound e-mail, each named in the reader's language. */
export function MailFlags({ mail }: { mail: InboundMail }) {
  return (
    <>
      {mail.flags.map((flag) => (
        <span key={flag} class="badge badge-danger" data-testid="mail-flag" title={mail.problem ?? ''}>
          {t(FLAG_KEYS[flag])}
        </span>
      ))}
    </>
  );
}

export function MailboxesCard({ projectId }: { projectId: number }) {
  const list = useLoad(() => api.get<List<Mailbox>>(`/projects/${projectId}/mailboxes`), [projectId]);
  const [editing, setEditing] = useState<Mailbox | 'new' | null>(null);
  const [removing, setRemoving] = useState<Mailbox | null>(null);
  const [showFlagged, setShowFlagged] = useState<number | null>(null);
  const [notice, setNotice] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<number | null>(null);

  const act = async (m: Mailbox, what: () => Promise<string>) => {
    setBusy(m.id);
    setError(null);
    setNotice('');
    try {
      setNotice(await what());
      await list.reload();
    } catch (err) {
      setError(err);
      await list.reload();
    } finally {
      setBusy(null);
    }
  };

  const check = (m: Mailbox) =>
    act(m, async () => {
      const r = await api.post<CheckResult>(`/mailboxes/${m.id}/check`);
      return r.ok
        ? t('mail.checkOk', { name: m.name, n: r.messages ?? 0 })
        : t('mail.checkFailed', { name: m.name, reason: t(reasonKey(r.reason)) });
    });
  const fetchNow = (m: Mailbox) =>
    act(m, async () => {
      const r = await api.post<RunReport>(`/mailboxes/${m.id}/fetch`);
      return t('mail.fetched', { taken: r.taken, cases: r.new_cases, flagged: r.flagged });
    });
  const togglePause = (m: Mailbox) =>
    act(m, async () => {
      await api.post<Mailbox>(`/mailboxes/${m.id}/${m.paused ? 'resume' : 'pause'}`);
      return m.paused ? t('mail.resumed', { name: m.name }) : t('mail.paused', { name: m.name });
    });

  const items = list.data?.items ?? [];
  return (
    <section class="card" aria-labelledby="mailboxes-title" data-testid="mailboxes">
      <h2 id="mailboxes-title">{t('mail.title')}</h2>
      <p class="muted">{t('mail.help')}</p>
      <ErrorBox error={list.error ?? error} />
      {notice && (
        <div class="alert alert-ok" role="status" data-testid="mail-notice">
          {notice}
        </div>
      )}
      {list.loading && !list.data && <Loading />}
      {list.data && items.length === 0 && <p class="muted">{t('mail.none')}</p>}
      {items.length > 0 && (
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th>{t('mail.mailbox')}</th>
                <th>{t('mail.state')}</th>
                <th>{t('mail.lastRun')}</th>
                <th>{t('mail.lastSuccess')}</th>
                <th>{t('mail.taken')}</th>
                <th>{t('mail.flagged')}</th>
                <th>{t('common.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((m) => (
                <tr key={m.id} data-testid={`mailbox-${m.id}`}>
                  <td>
                    <strong>{m.name}</strong>
                    <br />
                    <span class="muted">
                      {m.address} · {m.imap_host}:{m.imap_port} ({m.imap_security}) · {m.imap_folder}
                    </span>
                    {m.fetcher.last_error && (
                      <div class="alert alert-error" role="note">
                        {m.fetcher.last_error}
                      </div>
                    )}
                  </td>
                  <td>{m.paused ? t('mail.statePaused') : m.fetcher.running ? t('mail.stateRunning') : t('mail.stateStopped')}</td>
                  <td>{formatDateTime(m.fetcher.last_run_at)}</td>
                  <td>{formatDateTime(m.fetcher.last_success_at)}</td>
                  <td>{m.fetcher.messages_taken}</td>
                  <td>
                    {m.fetcher.flagged > 0 ? (
                      <button type="button" class="btn btn-small" onClick={() => setShowFlagged(showFlagged === m.id ? null : m.id)}>
                        {m.fetcher.flagged}
                      </button>
                    ) : (
                      0
                    )}
                  </td>
                  <td class="actions">
                    <button type="button" class="btn btn-small" disabled={busy === m.id} onClick={() => void check(m)} data-testid="mail-check">
                      {t('mail.check')}
                    </button>
                    <button type="button" class="btn btn-small" disabled={busy === m.id} onClick={() => void fetchNow(m)} data-testid="mail-fetch">
                      {t('mail.fetchNow')}
                    </button>
                    <button type="button" class="btn btn-small" disabled={busy === m.id} onClick={() => void togglePause(m)}>
                      {m.paused ? t('mail.resume') : t('mail.pause')}
                    </button>
                    <button type="button" class="btn btn-small" onClick={() => setEditing(m)} data-testid="mailbox-edit">
                      {t('common.edit')}
                    </button>
                    <button type="button" class="btn btn-small btn-danger-quiet" onClick={() => setRemoving(m)}>
                      {t('common.delete')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {showFlagged !== null && <FlaggedList mailboxId={showFlagged} />}
      <div class="form-actions">
        <button type="button" class="btn btn-primary" onClick={() => setEditing('new')} data-testid="mailbox-add">
          {t('mail.add')}
        </button>
      </div>
      {editing && (
        <MailboxForm projectId={projectId} mailbox={editing === 'new' ? null : editing} onClose={() => setEditing(null)} onDone={() => void list.reload()} />
      )}
      {removing && (
        <ConfirmModal
          title={t('mail.delete')}
          text={t('mail.confirmDelete', { name: removing.name })}
          confirmLabel={t('common.delete')}
          onClose={() => setRemoving(null)}
          onConfirm={async () => {
            await api.del(`/mailboxes/${removing.id}`);
            await list.reload();
          }}
        />
      )}
    </section>
  );
}

function reasonKey(reason: string | null) {
  switch (reason) {
    case 'dns':
      return 'mail.reason.dns' as const;
    case 'refused':
      return 'mail.reason.refused' as const;
    case 'timeout':
      return 'mail.reason.timeout' as const;
    case 'tls':
      return 'mail.reason.tls' as const;
    case 'login':
      return 'mail.reason.login' as const;
    case 'folder':
      return 'mail.reason.folder' as const;
    case 'protocol':
      return 'mail.reason.protocol' as const;
    case 'host-not-allowed':
      return 'mail.reason.host-not-allowed' as const;
    case 'plain-not-allowed':
      return 'mail.reason.plain-not-allowed' as const;
    default:
      return 'mail.reason.other' as const;
  }
}

function FlaggedList({ mailboxId }: { mailboxId: number }) {
  const flagged = useLoad(() => api.get<List<InboundMail>>(`/mailboxes/${mailboxId}/inbound?flagged=true`), [mailboxId]);
  return (
    <div data-testid="mail-flagged">
      <h3>{t('mail.flaggedTitle')}</h3>
      <ErrorBox error={flagged.error} />
      {flagged.loading && !flagged.data && <Loading />}
      <ul>
        {(flagged.data?.items ?? []).map((r) => (
          <li key={r.id}>
            <span class="muted">{formatDateTime(r.received_at)}</span> {r.from_address ?? '?'} – {r.subject ?? t('mail.noSubject')}
            {r.case_id && (
              <>
                {' '}
                <Link href={`/cases/${r.case_id}`}>{t('mail.openCase')}</Link>
              </>
            )}
            {r.raw_url && (
              <>
                {' · '}
                <a href={r.raw_url} download>
                  {t('mail.raw')}
                </a>
              </>
            )}
            {r.flags.length > 0 && (
              <div>
                <MailFlags mail={r} />
              </div>
            )}
            <div class="muted">{r.problem}</div>
          </li>
        ))}
      </ul>
    </div>
  );
}

const STEPS = ['mail.step.mailbox', 'mail.step.receive', 'mail.step.send', 'mail.step.ack'] as const;

/** The settings the form holds (what the connection test sends). */
interface TestedSettings {
  imap_host: string;
  imap_port: number | null;
  imap_security: Security;
  imap_tls_verify: boolean;
  imap_username: string;
  imap_password: string;
  imap_folder: string;
  smtp_host: string;
  smtp_port: number | null;
  smtp_security: Security;
  smtp_tls_verify: boolean;
  smtp_username: string;
  smtp_password: string;
}

/** "Verbindung testen": both sides of the settings as typed, before saving; each result in the UI's words. */
function ConnectionTest({ projectId, mailboxId, settings }: { projectId: number; mailboxId: number | null; settings: TestedSettings }) {
  const [result, setResult] = useState<ConnectionCheck | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const s = settings;
      const body: Record<string, unknown> = {
        imap_host: s.imap_host,
        imap_security: s.imap_security,
        imap_tls_verify: s.imap_tls_verify,
        imap_username: s.imap_username,
        imap_password: s.imap_password,
        imap_folder: s.imap_folder,
        smtp_host: s.smtp_host,
        smtp_security: s.smtp_security,
        smtp_tls_verify: s.smtp_tls_verify,
        smtp_username: s.smtp_username,
        smtp_password: s.smtp_password,
      };
      if (s.imap_port !== null) body.imap_port = s.imap_port;
      if (s.smtp_port !== null) body.smtp_port = s.smtp_port;
      if (mailboxId !== null) body.mailbox_id = mailboxId;
      setResult(await api.post<ConnectionCheck>(`/projects/${projectId}/mailboxes/check`, body));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const line = (side: 'imap' | 'smtp', r: CheckResult) => (
    <li class={r.ok ? 'check-ok' : 'check-failed'} data-testid={`mailbox-test-${side}`} data-ok={r.ok}>
      <strong>{t(side === 'imap' ? 'mail.test.receive' : 'mail.test.send')}:</strong>{' '}
      {r.ok
        ? side === 'imap'
          ? t('mail.test.imapOk', { n: r.messages ?? 0 })
          : t('mail.test.smtpOk')
        : side === 'imap'
          ? t(reasonKey(r.reason))
          : hasMessage(`delivery.reason.${r.reason}`)
            ? t(`delivery.reason.${r.reason}` as MsgKey)
            : t('delivery.reason.other')}
    </li>
  );
  return (
    <div class="connection-test" data-testid="mailbox-test">
      <button type="button" class="btn" disabled={busy} onClick={() => void run()} data-testid="mailbox-test-run">
        {busy ? t('mail.test.running') : t('mail.test.run')}
      </button>
      <ErrorBox error={error} />
      {result && (
        <ul class="plain-list" role="status">
          {line('imap', result.imap)}
          {line('smtp', result.smtp)}
        </ul>
      )}
    </div>
  );
}

function MailboxForm({ projectId, mailbox, onClose, onDone }: { projectId: number; mailbox: Mailbox | null; onClose: () => void; onDone: () => void }) {
  const m = mailbox;
  const [step, setStep] = useState(0);
  const [v, setV] = useState({
    name: m?.name ?? '',
    address: m?.address ?? '',
    sender_name: m?.sender_name ?? '',
    signature: m?.signature ?? '',
    imap_host: m?.imap_host ?? '',
    imap_port: (m?.imap_port ?? null) as number | null,
    imap_security: (m?.imap_security ?? 'tls') as Security,
    imap_tls_verify: m?.imap_tls_verify ?? true,
    imap_username: m?.imap_username ?? '',
    imap_password: '',
    imap_folder: m?.imap_folder ?? 'INBOX',
    after_fetch: (m?.after_fetch ?? 'seen') as AfterFetch,
    move_to_folder: m?.move_to_folder ?? '',
    smtp_host: m?.smtp_host ?? '',
    smtp_port: (m?.smtp_port ?? null) as number | null,
    smtp_security: (m?.smtp_security ?? 'starttls') as Security,
    smtp_tls_verify: m?.smtp_tls_verify ?? true,
    smtp_username: m?.smtp_username ?? '',
    smtp_password: '',
    fetch_schedule: m?.fetch_schedule ?? '0 * * * * *',
    auto_ack_enabled: m?.auto_ack.enabled ?? false,
    auto_ack_subject: m?.auto_ack.subject ?? '',
    auto_ack_body: m?.auto_ack.body ?? '',
  });
  const set = (key: keyof typeof v) => (e: Event) => {
    const el = e.currentTarget as HTMLInputElement;
    setV({ ...v, [key]: el.type === 'checkbox' ? el.checked : el.value });
  };
  const submit = async () => {
    const { auto_ack_enabled, auto_ack_subject, auto_ack_body, ...settings } = v;
    const body: Record<string, unknown> = {
      ...settings,
      auto_ack: { enabled: auto_ack_enabled, subject: auto_ack_subject, body: auto_ack_body },
    };
    // Passwords: only sent when typed (write-only).
    if (!v.imap_password) delete body.imap_password;
    if (!v.smtp_password) delete body.smtp_password;
    if (m) {
      if (body.imap_port === null) delete body.imap_port;
      if (body.smtp_port === null) delete body.smtp_port;
      await api.patch<Mailbox>(`/mailboxes/${m.id}`, body);
    } else {
      await api.post<Mailbox>(`/projects/${projectId}/mailboxes`, body);
    }
    onDone();
  };
  const security = (key: 'imap_security' | 'smtp_security') => (
    <select value={v[key]} onChange={set(key)}>
      <option value="tls">{t('mail.security.tls')}</option>
      <option value="starttls">{t('mail.security.starttls')}</option>
      <option value="plain">{t('mail.security.plain')}</option>
    </select>
  );
  // Steps: the mailbox, receiving, sending (with the connection test),
  // the acknowledgment. A new mailbox goes step by step (each step's
  // fields checked on "Next"); an existing one may save from any step.
  const last = STEPS.length - 1;
  const onLast = step === last;
  const next = async (): Promise<void | 'stay'> => {
    if (m || onLast) return submit();
    setStep(step + 1);
    return 'stay';
  };
  const stepButtons = (
    <ol class="steps" aria-label={t('mail.steps')} data-testid="mailbox-steps">
      {STEPS.map((key, i) => (
        <li key={key}>
          <button
            type="button"
            class="step"
            aria-current={i === step ? 'step' : undefined}
            disabled={!m && i > step}
            onClick={() => setStep(i)}
            data-testid={`mailbox-step-${i + 1}`}
          >
            <span class="step-number">{i + 1}</span> {t(key)}
          </button>
        </li>
      ))}
    </ol>
  );
  return (
    <FormModal
      title={m ? t('mail.edit') : t('mail.add')}
      submitLabel={m || onLast ? t('common.save') : t('mail.stepNext')}
      onClose={onClose}
      onSubmit={next}
      testId="mailbox-form"
      extraActions={
        step > 0 && (
          <button type="button" class="btn" onClick={() => setStep(step - 1)} data-testid="mailbox-step-back">
            {t('mail.stepBack')}
          </button>
        )
      }
    >
      {stepButtons}
      {step === 0 && (
        <>
      <Field label={t('common.name')}>
        <input required maxLength={100} value={v.name} onInput={set('name')} data-testid="mailbox-name" />
      </Field>
      <Field label={t('mail.address')}>
        <input required type="email" value={v.address} onInput={set('address')} data-testid="mailbox-address" />
      </Field>
      <Field label={t('mail.senderName')}>
        <input maxLength={200} value={v.sender_name} onInput={set('sender_name')} />
      </Field>
      <Field label={t('mail.signature')}>
        <textarea rows={3} value={v.signature} onInput={set('signature')} />
      </Field>
        </>
      )}
      {step === 1 && (
        <>
      <p class="muted">{t('mail.step.receiveHint')}</p>
      <Field label={t('mail.host')}>
        <input required value={v.imap_host} onInput={set('imap_host')} data-testid="mailbox-imap-host" />
      </Field>
      <Field label={t('mail.port')} hint={t('mail.portHint')}>
        <LocaleInput kind="integer" grouping={false} min={1} max={65535} value={v.imap_port} onValue={(n) => setV({ ...v, imap_port: n })} />
      </Field>
      <Field label={t('mail.security')}>{security('imap_security')}</Field>
      <Field label={t('mail.tlsVerify')} hint={t('mail.tlsVerifyHint')} inline>
        <input type="checkbox" checked={v.imap_tls_verify} onChange={set('imap_tls_verify')} />
      </Field>
      <Field label={t('mail.username')}>
        <input required autocomplete="off" value={v.imap_username} onInput={set('imap_username')} />
      </Field>
      <Field label={t('mail.password')} hint={m ? t('mail.passwordKept') : undefined}>
        <input type="password" autocomplete="new-password" required={!m} value={v.imap_password} onInput={set('imap_password')} data-testid="mailbox-imap-password" />
      </Field>
      <Field label={t('mail.folder')}>
        <input required value={v.imap_folder} onInput={set('imap_folder')} />
      </Field>
      <Field label={t('mail.afterFetch')}>
        <select value={v.after_fetch} onChange={set('after_fetch')}>
          <option value="seen">{t('mail.after.seen')}</option>
          <option value="move">{t('mail.after.move')}</option>
          <option value="delete">{t('mail.after.delete')}</option>
        </select>
      </Field>
      {v.after_fetch === 'move' && (
        <Field label={t('mail.moveTo')}>
          <input required value={v.move_to_folder} onInput={set('move_to_folder')} />
        </Field>
      )}
      <fieldset class="schedule-fieldset">
        <legend>{t('mail.schedule')}</legend>
        <SchedulePicker value={v.fetch_schedule} onChange={(fetch_schedule) => setV({ ...v, fetch_schedule })} testId="mailbox-schedule" />
      </fieldset>
        </>
      )}
      {step === 2 && (
        <>
      <p class="muted">{t('mail.step.sendHint')}</p>
      <Field label={t('mail.host')}>
        <input required value={v.smtp_host} onInput={set('smtp_host')} data-testid="mailbox-smtp-host" />
      </Field>
      <Field label={t('mail.port')} hint={t('mail.portHint')}>
        <LocaleInput kind="integer" grouping={false} min={1} max={65535} value={v.smtp_port} onValue={(n) => setV({ ...v, smtp_port: n })} />
      </Field>
      <Field label={t('mail.security')}>{security('smtp_security')}</Field>
      <Field label={t('mail.tlsVerify')} hint={t('mail.tlsVerifyHint')} inline>
        <input type="checkbox" checked={v.smtp_tls_verify} onChange={set('smtp_tls_verify')} data-testid="mailbox-smtp-tls-verify" />
      </Field>
      <Field label={t('mail.username')}>
        <input autocomplete="off" value={v.smtp_username} onInput={set('smtp_username')} />
      </Field>
      <Field label={t('mail.password')} hint={m?.smtp_password_set ? t('mail.passwordKept') : undefined}>
        <input type="password" autocomplete="new-password" value={v.smtp_password} onInput={set('smtp_password')} />
      </Field>
      <ConnectionTest projectId={projectId} mailboxId={m?.id ?? null} settings={v} />
        </>
      )}
      {step === 3 && (
        <>
      <h3>{t('mail.autoAck')}</h3>
      <Field label={t('mail.autoAckEnabled')} hint={t('mail.autoAckHint')} inline>
        <input type="checkbox" checked={v.auto_ack_enabled} onChange={set('auto_ack_enabled')} data-testid="mailbox-auto-ack" />
      </Field>
      {v.auto_ack_enabled && (
        <>
          <Field label={t('mail.autoAckSubject')} hint={t('mail.autoAckSubjectHint')}>
            <input maxLength={200} value={v.auto_ack_subject} onInput={set('auto_ack_subject')} data-testid="mailbox-auto-ack-subject" />
          </Field>
          <Field label={t('mail.autoAckBody')} hint={t('mail.autoAckPlaceholders')}>
            <textarea rows={6} maxLength={10000} value={v.auto_ack_body} onInput={set('auto_ack_body')} data-testid="mailbox-auto-ack-body" />
          </Field>
        </>
      )}
        </>
      )}
    </FormModal>
  );
}

/** Marks of an e-mail in the case thread: auto-reply, bulk, bounce, flagged; the raw download. */
export function MailMarks({ mail }: { mail: InboundMail }) {
  return (
    <span class="mail-marks" data-testid="mail-marks">
      {mail.auto_reply && <span class="badge">{t('mail.mark.autoReply')}</span>}
      {mail.bulk && <span class="badge">{t('mail.mark.bulk')}</span>}
      {mail.bounce && <span class="badge badge-danger">{t('mail.mark.bounce')}</span>}
      {mail.flagged && mail.flags.length === 0 && (
        <span class="badge badge-danger" title={mail.problem ?? ''}>
          {t('mail.mark.flagged')}
        </span>
      )}
      <MailFlags mail={mail} />
      {mail.raw_url && (
        <a href={mail.raw_url} download data-testid="mail-raw">
          {t('mail.raw')}
        </a>
      )}
    </span>
  );
}
