// GDPR on the contact page (client admins, platform admins): download all of
// the contact's data (Art. 15/20) and erase them (Art. 17).

import { useState } from 'preact/hooks';
import { api, type Erasure, type ErasureMode } from '../api';
import { t } from '../i18n';
import { navigate } from '../router';
import { Field } from './Field';
import { setFlash } from './flash';
import { FormModal } from './Modal';

export function GdprContactCard({ contactId, name }: { contactId: number; name: string }) {
  const [erasing, setErasing] = useState(false);
  const [mode, setMode] = useState<ErasureMode>('anonymize');
  const [typed, setTyped] = useState('');
  return (
    <section class="card" aria-labelledby="gdpr-title" data-testid="gdpr-card">
      <h2 id="gdpr-title">{t('gdpr.title')}</h2>
      <p class="muted">{t('gdpr.intro')}</p>
      <div class="form-actions">
        <a class="btn" href={`/api/v1/contacts/${contactId}/data-export`} download data-testid="gdpr-export">
          {t('gdpr.export')}
        </a>
        <button
          type="button"
          class="btn btn-danger-quiet"
          data-testid="gdpr-erase"
          onClick={() => {
            setTyped('');
            setErasing(true);
          }}
        >
          {t('gdpr.erase')}
        </button>
      </div>
      {erasing && (
        <FormModal
          title={t('gdpr.erase')}
          submitLabel={t('gdpr.eraseNow')}
          danger
          testId="gdpr-erase-dialog"
          onClose={() => setErasing(false)}
          onSubmit={async () => {
            if (typed.trim() !== name.trim()) throw new Error(t('gdpr.typeName'));
            const done = await api.post<Erasure>(`/contacts/${contactId}/erase`, { mode });
            setFlash(erasedMessage(name, done));
            navigate('/contacts');
          }}
        >
          <p>{t('gdpr.eraseText', { name })}</p>
          <fieldset class="field">
            <legend class="field-label">{t('gdpr.mode')}</legend>
            <label class="check">
              <input type="radio" name="gdpr-mode" checked={mode === 'anonymize'} onChange={() => setMode('anonymize')} />{' '}
              {t('gdpr.mode.anonymize')}
            </label>
            <label class="check">
              <input type="radio" name="gdpr-mode" checked={mode === 'delete'} onChange={() => setMode('delete')} /> {t('gdpr.mode.delete')}
            </label>
          </fieldset>
          <Field label={t('gdpr.typeName')}>
            <input required value={typed} onInput={(e) => setTyped(e.currentTarget.value)} data-testid="gdpr-confirm-name" />
          </Field>
        </FormModal>
      )}
    </section>
  );
}

/** What the erasure did, for the confirmation on the contact list. */
export function erasedMessage(name: string, e: Erasure): string {
  const what = t(e.mode === 'delete' ? 'gdpr.done.delete' : 'gdpr.done.anonymize', { name });
  const affected = t('gdpr.done.affected', {
    cases: t(e.mode === 'delete' ? 'gdpr.done.casesDeleted' : 'gdpr.done.casesAnonymized', { n: e.cases_affected }),
    messages: t('gdpr.done.messages', { n: e.messages_affected }),
    attachments: t('gdpr.done.attachments', { n: e.attachments_removed }),
  });
  return `${what} ${affected}`;
}
