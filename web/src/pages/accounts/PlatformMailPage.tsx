// The platform sender (platform admins): the SMTP account invitations and
// password links go out from, with "send test mail".

import { useEffect, useState } from 'preact/hooks';
import { api, type MailSecurity, type SenderState, type TestMailResult } from '../../api';
import { formatDateTime, hasMessage, t, type MsgKey } from '../../i18n';
import { ErrorBox } from '../../components/ErrorBox';
import { Field } from '../../components/Field';
import { Loading, Page } from '../../components/Page';
import { useLoad } from '../../components/useLoad';
import { useSession } from '../../session';

const SECURITIES: MailSecurity[] = ['starttls', 'tls', 'plain'];

export function PlatformMailPage() {
  const state = useLoad(() => api.get<SenderState>('/platform/mail-sender'));
  return (
    <Page title={t('platformMail.title')} testId="platform-mail-page">
      <p class="muted">{t('platformMail.intro')}</p>
      <ErrorBox error={state.error} />
      {state.loading && !state.data && <Loading />}
      {state.data && <SenderForm state={state.data} onSaved={state.reload} />}
    </Page>
  );
}

function SenderForm({ state, onSaved }: { state: SenderState; onSaved: () => Promise<void> }) {
  const { me } = useSession();
  const s = state.sender;
  const [host, setHost] = useState(s?.smtp_host ?? '');
  const [port, setPort] = useState(s ? String(s.smtp_port) : '');
  const [security, setSecurity] = useState<MailSecurity>(s?.smtp_security ?? 'starttls');
  const [verify, setVerify] = useState(s?.smtp_tls_verify ?? true);
  const [username, setUsername] = useState(s?.smtp_username ?? '');
  const [password, setPassword] = useState('');
  const [clearPassword, setClearPassword] = useState(false);
  const [fromAddress, setFromAddress] = useState(s?.from_address ?? '');
  const [fromName, setFromName] = useState(s?.from_name ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [testTo, setTestTo] = useState(me.user.email);
  const [testBusy, setTestBusy] = useState(false);
  const [test, setTest] = useState<TestMailResult | null>(null);
  const [testError, setTestError] = useState<unknown>(null);

  useEffect(() => setTest(null), [state]);

  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, unknown> = {
        smtp_host: host.trim(),
        smtp_security: security,
        smtp_tls_verify: verify,
        smtp_username: username.trim(),
        from_address: fromAddress.trim(),
        from_name: fromName.trim(),
      };
      if (port.trim()) body.smtp_port = Number(port);
      if (password) body.smtp_password = password;
      else if (clearPassword) body.smtp_password = '';
      await api.put<SenderState>('/platform/mail-sender', body);
      setPassword('');
      setClearPassword(false);
      await onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const sendTest = async () => {
    setTestBusy(true);
    setTest(null);
    setTestError(null);
    try {
      setTest(await api.post<TestMailResult>('/platform/mail-sender/test', { to: testTo.trim() }));
    } catch (err) {
      setTestError(err);
    } finally {
      setTestBusy(false);
    }
  };

  const reasonKey = `delivery.reason.${test?.error_code ?? 'other'}`;
  const reason = hasMessage(reasonKey) ? t(reasonKey as MsgKey) : t('delivery.reason.other');
  return (
    <>
      {!s && (
        <p class="alert alert-warn" role="status" data-testid="platform-mail-none">
          {t('platformMail.none')}
        </p>
      )}
      {state.public_url ? (
        <p class="muted">{t('platformMail.publicUrl', { url: state.public_url })}</p>
      ) : (
        <p class="alert alert-warn" role="status" data-testid="platform-mail-no-url">
          {t('platformMail.noPublicUrl')}
        </p>
      )}
      <form class="form" onSubmit={save} data-testid="platform-mail-form">
        <Field label={t('platformMail.host')}>
          <input required value={host} onInput={(e) => setHost(e.currentTarget.value)} data-testid="platform-mail-host" />
        </Field>
        <Field label={t('platformMail.security')}>
          <select value={security} onChange={(e) => setSecurity(e.currentTarget.value as MailSecurity)} data-testid="platform-mail-security">
            {SECURITIES.map((sec) => (
              <option key={sec} value={sec}>
                {t(`platformMail.security.${sec}`)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('platformMail.port')}>
          <input type="number" min={1} max={65535} inputMode="numeric" value={port} onInput={(e) => setPort(e.currentTarget.value)} data-testid="platform-mail-port" />
        </Field>
        {security !== 'plain' && (
          <Field label={t('platformMail.tlsVerify')} inline>
            <input type="checkbox" checked={verify} onChange={(e) => setVerify(e.currentTarget.checked)} />
          </Field>
        )}
        <Field label={t('platformMail.username')}>
          <input autoComplete="off" value={username} onInput={(e) => setUsername(e.currentTarget.value)} data-testid="platform-mail-username" />
        </Field>
        <Field label={t('platformMail.password')} hint={s?.has_password ? t('platformMail.passwordKeep') : undefined}>
          <input type="password" autoComplete="new-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} data-testid="platform-mail-password" />
        </Field>
        {s?.has_password && !password && (
          <Field label={t('platformMail.passwordClear')} inline>
            <input type="checkbox" checked={clearPassword} onChange={(e) => setClearPassword(e.currentTarget.checked)} />
          </Field>
        )}
        <Field label={t('platformMail.fromAddress')}>
          <input type="email" required value={fromAddress} onInput={(e) => setFromAddress(e.currentTarget.value)} data-testid="platform-mail-from" />
        </Field>
        <Field label={t('platformMail.fromName')}>
          <input value={fromName} placeholder="zezaro" onInput={(e) => setFromName(e.currentTarget.value)} data-testid="platform-mail-from-name" />
        </Field>
        <ErrorBox error={error} />
        {s && <p class="muted">{t('platformMail.saved', { at: formatDateTime(s.updated_at) })}</p>}
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="platform-mail-save">
            {t('platformMail.save')}
          </button>
        </div>
      </form>
      {s && (
        <section class="form" data-testid="platform-mail-test">
          <h2>{t('platformMail.testTitle')}</h2>
          <Field label={t('platformMail.testTo')}>
            <input type="email" value={testTo} onInput={(e) => setTestTo(e.currentTarget.value)} data-testid="platform-mail-test-to" />
          </Field>
          <div class="form-actions">
            <button type="button" class="btn" disabled={testBusy || !testTo.trim()} onClick={() => void sendTest()} data-testid="platform-mail-test-send">
              {t('platformMail.testSend')}
            </button>
          </div>
          <ErrorBox error={testError} />
          {test?.sent && (
            <p role="status" data-testid="platform-mail-test-result">
              {t('platformMail.testSent', { to: testTo.trim() })}
            </p>
          )}
          {test && !test.sent && (
            <p role="alert" class="alert alert-error" data-testid="platform-mail-test-result">
              {t('platformMail.testFailed', { reason })}
            </p>
          )}
        </section>
      )}
    </>
  );
}
