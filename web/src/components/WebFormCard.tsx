// Admin: the project's public web form (embeddable), its texts, topic, link and embed code.

import { useEffect, useState } from 'preact/hooks';
import { api, type Case, type HeldSubmission, type List, type Topic, type WebForm } from '../api';
import { formatDateTime, t } from '../i18n';
import { ErrorBox } from './ErrorBox';
import { Field } from './Field';
import { LocaleInput } from './LocaleInput';
import { ConfirmModal } from './Modal';
import { Loading } from './Page';
import { useLoad } from './useLoad';

function publicUrl(form: WebForm): string {
  return form.public_path ? `${window.location.origin}${form.public_path}` : '';
}

function embedSnippet(form: WebForm, title: string): string {
  const safeTitle = title.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return `<iframe src="${publicUrl(form)}" title="${safeTitle}" width="100%" height="760" style="border:0" loading="lazy"></iframe>`;
}

function CopyField({ id, label, value, multiline }: { id: string; label: string; value: string; multiline?: boolean }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
    } catch {
      // Without a secure context (HTTPS) there is no Clipboard API: select for Ctrl+C.
      const el = document.getElementById(id) as HTMLInputElement | HTMLTextAreaElement | null;
      el?.focus();
      el?.select();
    }
  };
  return (
    <div class="field">
      <label class="field-label" for={id}>
        {label}
      </label>
      <div class="copy-row">
        {multiline ? (
          <textarea id={id} class="mono" rows={3} readOnly value={value} onFocus={(e) => e.currentTarget.select()} data-testid={id} />
        ) : (
          <input id={id} class="mono" readOnly value={value} onFocus={(e) => e.currentTarget.select()} data-testid={id} />
        )}
        <button type="button" class="btn" onClick={() => void copy()}>
          {copied ? t('tokens.copied') : t('tokens.copy')}
        </button>
      </div>
    </div>
  );
}

export function WebFormCard({ projectId, canEdit }: { projectId: number; canEdit: boolean }) {
  const form = useLoad(() => api.get<WebForm>(`/projects/${projectId}/webform`), [projectId]);
  const topics = useLoad(() => api.get<List<Topic>>(`/projects/${projectId}/topics`), [projectId]);
  const [enabled, setEnabled] = useState(false);
  const [title, setTitle] = useState('');
  const [intro, setIntro] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [topicId, setTopicId] = useState('');
  const [sendConfirmation, setSendConfirmation] = useState(false);
  const [powBits, setPowBits] = useState<number | null>(0);
  const [privacy, setPrivacy] = useState('');
  const [accent, setAccent] = useState('');
  const [logo, setLogo] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const [rotating, setRotating] = useState(false);
  const f = form.data;

  useEffect(() => {
    if (!f) return;
    setEnabled(f.enabled);
    setTitle(f.title);
    setIntro(f.intro);
    setConfirmation(f.confirmation);
    setTopicId(f.topic_id ? String(f.topic_id) : '');
    setSendConfirmation(f.send_confirmation);
    setPowBits(f.pow_bits);
    setPrivacy(f.privacy_notice);
    setAccent(f.accent_color);
    setLogo(f.logo);
  }, [f]);

  /** A chosen logo file as a data URL (the server checks type and size too). */
  const pickLogo = (file: File | undefined) => {
    if (!file) return;
    setError(null);
    if (!['image/png', 'image/jpeg', 'image/webp', 'image/gif'].includes(file.type)) return setError(new Error(t('webform.logoType')));
    if (file.size > 150 * 1024) return setError(new Error(t('webform.logoSize')));
    const reader = new FileReader();
    reader.onload = () => setLogo(String(reader.result ?? ''));
    reader.readAsDataURL(file);
  };

  const save = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    setNotice('');
    try {
      await api.put<WebForm>(`/projects/${projectId}/webform`, {
        enabled,
        title: title.trim(),
        intro: intro.trim(),
        confirmation: confirmation.trim(),
        topic_id: topicId ? Number(topicId) : null,
        send_confirmation: sendConfirmation,
        pow_bits: powBits ?? 0,
        privacy_notice: privacy.trim(),
        accent_color: accent,
        logo,
      });
      await form.reload();
      setNotice(t('webform.saved'));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const activeTopics = (topics.data?.items ?? []).filter((tp) => tp.active || String(tp.id) === topicId);
  const topicName = (topics.data?.items ?? []).find((tp) => String(tp.id) === topicId)?.name;

  return (
    <section class="card" aria-labelledby="webform-title" data-testid="webform">
      <h2 id="webform-title">{t('webform.title')}</h2>
      <p class="muted">{t('webform.help')}</p>
      <ErrorBox error={form.error ?? topics.error} />
      {form.loading && !f && <Loading />}
      {f && (
        <>
          {canEdit ? (
            <form class="form" onSubmit={save} data-testid="webform-form">
              <Field label={t('webform.enabled')} inline>
                <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} data-testid="webform-enabled" />
              </Field>
              <Field label={t('webform.formTitle')} hint={t('webform.formTitleHint')}>
                <input maxLength={200} value={title} onInput={(e) => setTitle(e.currentTarget.value)} data-testid="webform-title-input" />
              </Field>
              <Field label={t('webform.intro')}>
                <textarea rows={3} maxLength={4000} value={intro} onInput={(e) => setIntro(e.currentTarget.value)} />
              </Field>
              <Field label={t('webform.confirmation')} hint={t('webform.confirmationHint')}>
                <textarea rows={3} maxLength={2000} value={confirmation} onInput={(e) => setConfirmation(e.currentTarget.value)} />
              </Field>
              <Field label={t('webform.topic')}>
                <select value={topicId} onChange={(e) => setTopicId(e.currentTarget.value)} data-testid="webform-topic">
                  <option value="">{t('webform.noTopic')}</option>
                  {activeTopics.map((tp) => (
                    <option key={tp.id} value={tp.id}>
                      {tp.name}
                    </option>
                  ))}
                </select>
              </Field>
              <Field label={t('webform.sendConfirmation')} hint={t('webform.sendConfirmationHint')} inline>
                <input
                  type="checkbox"
                  checked={sendConfirmation}
                  onChange={(e) => setSendConfirmation(e.currentTarget.checked)}
                  data-testid="webform-send-confirmation"
                />
              </Field>
              <Field label={t('webform.privacy')} hint={t('webform.privacyHint')}>
                <textarea rows={4} maxLength={4000} value={privacy} onInput={(e) => setPrivacy(e.currentTarget.value)} data-testid="webform-privacy" />
              </Field>
              <div class="form-row">
                <Field label={t('webform.accent')} hint={t('webform.accentHint')}>
                  <div class="field-with-action">
                    <input type="color" class="input-color" value={accent || '#1f5cc4'} onInput={(e) => setAccent(e.currentTarget.value)} aria-label={t('webform.accent')} data-testid="webform-accent" />
                    {accent && (
                      <button type="button" class="btn btn-small" onClick={() => setAccent('')} data-testid="webform-accent-reset">
                        {t('webform.accentReset')}
                      </button>
                    )}
                  </div>
                </Field>
                <Field label={t('webform.logo')} hint={t('webform.logoHint')}>
                  <div class="field-with-action webform-logo">
                    {logo && <img src={logo} alt={t('webform.logoPreview')} class="webform-logo-preview" data-testid="webform-logo-preview" />}
                    <label class="btn btn-small file-button">
                      {t(logo ? 'webform.logoReplace' : 'webform.logoChoose')}
                      <input type="file" accept="image/png,image/jpeg,image/webp,image/gif" class="sr-only" onChange={(e) => pickLogo(e.currentTarget.files?.[0])} data-testid="webform-logo-file" />
                    </label>
                    {logo && (
                      <button type="button" class="btn btn-small btn-danger-quiet" onClick={() => setLogo('')} data-testid="webform-logo-remove">
                        {t('webform.logoRemove')}
                      </button>
                    )}
                  </div>
                </Field>
              </div>
              <Field label={t('webform.powBits')} hint={t('webform.powBitsHint')}>
                <LocaleInput kind="integer" min={0} max={24} value={powBits} onValue={setPowBits} data-testid="webform-pow" />
              </Field>
              <div class="form-actions">
                <button type="submit" class="btn btn-primary" disabled={busy} data-testid="webform-save">
                  {t('common.save')}
                </button>
              </div>
            </form>
          ) : (
            <dl class="facts">
              <dt>{t('webform.enabled')}</dt>
              <dd>{f.enabled ? t('common.yes') : t('common.no')}</dd>
              <dt>{t('webform.formTitle')}</dt>
              <dd>{f.title || t('common.none')}</dd>
              <dt>{t('webform.topic')}</dt>
              <dd>{topicName ?? t('common.none')}</dd>
            </dl>
          )}
          <ErrorBox error={error} />
          {notice && (
            <div class="alert alert-ok" role="status">
              {notice}
            </div>
          )}
          {f.public_id ? (
            <div class="form">
              {!f.enabled && <p class="muted">{t('webform.disabledNote')}</p>}
              <CopyField id="webform-link" label={t('webform.link')} value={publicUrl(f)} />
              <CopyField id="webform-embed" label={t('webform.embed')} value={embedSnippet(f, f.title || t('webform.title'))} multiline />
              <p class="muted">{t('webform.spamCaught', { n: f.spam_caught })}</p>
              {f.held > 0 && <p class="muted">{t('webform.heldCount', { n: f.held })}</p>}
              <p class="muted">{t('webform.emailLater')}</p>
              {canEdit && (
                <div class="form-actions">
                  <a class="btn" href={f.public_path ?? '#'} target="_blank" rel="noopener noreferrer">
                    {t('webform.open')}
                  </a>
                  <button type="button" class="btn btn-danger-quiet" onClick={() => setRotating(true)} data-testid="webform-rotate">
                    {t('webform.rotate')}
                  </button>
                </div>
              )}
            </div>
          ) : (
            <p class="muted">{t('webform.notYet')}</p>
          )}
        </>
      )}
      {f && f.held > 0 && <HeldList projectId={projectId} onChange={() => void form.reload()} />}
      {rotating && (
        <ConfirmModal
          title={t('webform.rotate')}
          text={t('webform.confirmRotate')}
          confirmLabel={t('webform.rotate')}
          onClose={() => setRotating(false)}
          onConfirm={async () => {
            await api.post(`/projects/${projectId}/webform/rotate`);
            await form.reload();
            setNotice(t('webform.rotated'));
          }}
        />
      )}
    </section>
  );
}

/** Submissions held for review: release into a case, or discard. */
function HeldList({ projectId, onChange }: { projectId: number; onChange: () => void }) {
  const held = useLoad(() => api.get<List<HeldSubmission>>(`/projects/${projectId}/webform/held`), [projectId]);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);

  const act = async (run: () => Promise<string>) => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      setNotice(await run());
      await held.reload();
      onChange();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const items = held.data?.items ?? [];

  return (
    <div class="form" data-testid="webform-held">
      <h3>{t('webform.held')}</h3>
      <p class="muted">{t('webform.heldHelp')}</p>
      <ErrorBox error={held.error ?? error} />
      {notice && (
        <div class="alert alert-ok" role="status">
          {notice}
        </div>
      )}
      {held.data && items.length === 0 && <p class="muted">{t('webform.heldNone')}</p>}
      <ul class="plain-list">
        {items.map((h) => (
          <li key={h.id}>
            <strong>{h.subject}</strong> – {h.name} &lt;{h.email}&gt; · {formatDateTime(h.received_at)}
            <p class="pre">{h.message}</p>
            <div class="form-actions">
              <button
                type="button"
                class="btn"
                disabled={busy}
                onClick={() =>
                  void act(async () => {
                    const c = await api.post<Case>(`/projects/${projectId}/webform/held/${h.id}/release`);
                    return t('webform.released', { ref: c.ref });
                  })
                }
              >
                {t('webform.release')}
              </button>
              <button
                type="button"
                class="btn btn-danger-quiet"
                disabled={busy}
                onClick={() =>
                  void act(async () => {
                    await api.del(`/projects/${projectId}/webform/held/${h.id}`);
                    return t('webform.discarded');
                  })
                }
              >
                {t('webform.discard')}
              </button>
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}
