// Dialogs of the case list: "New case" and "Log call".

import { useEffect, useRef, useState } from 'preact/hooks';
import { api, query, CHANNELS, PRIORITIES, type Case, type Channel, type Contact, type CustomField, type List, type Priority } from '../api';
import { getLocale, t, type MsgKey } from '../i18n';
import { useSession } from '../session';
import { CustomFieldsForm, filledValues, fieldErrors, type FieldErrors, type Values } from './CustomFields';
import { Field } from './Field';
import { FormModal } from './Modal';
import { parseMinSec, useProjectData } from './caseBits';
import { checkNewCase, type NewCaseField, type NewCaseProblems } from './newCaseCheck';
import { useLoad } from './useLoad';

/** Project picker for the dialogs: defaults to the header's project. */
function ProjectSelect({ value, onChange, error }: { value: number | null; onChange: (id: number | null) => void; error?: string | null }) {
  const { me } = useSession();
  return (
    <Field label={t('app.project')} error={error} errorId="case-project-error">
      <select
        required
        value={value ?? ''}
        onChange={(e) => onChange(Number(e.currentTarget.value) || null)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? 'case-project-error' : undefined}
        data-testid="case-project"
      >
        <option value="">{t('common.choose')}</option>
        {me.projects.map((p) => (
          <option key={p.id} value={p.id}>
            {p.key} · {p.name}
          </option>
        ))}
      </select>
    </Field>
  );
}

function clientOf(me: ReturnType<typeof useSession>['me'], projectId: number | null): number | null {
  return me.projects.find((p) => p.id === projectId)?.client_id ?? null;
}

/** Look contacts up by e-mail or phone while the user types (debounced). */
function useContactLookup(clientId: number | null, by: 'email' | 'phone', value: string): { items: Contact[]; busy: boolean; done: boolean } {
  const [state, setState] = useState<{ items: Contact[]; busy: boolean; done: boolean }>({ items: [], busy: false, done: false });
  useEffect(() => {
    const v = value.trim();
    const usable = by === 'email' ? /.+@.+\..+/.test(v) : v.replace(/\D/g, '').length >= 3;
    if (!clientId || !usable) {
      setState({ items: [], busy: false, done: false });
      return;
    }
    let live = true;
    setState((s) => ({ ...s, busy: true }));
    const timer = setTimeout(() => {
      api
        .get<List<Contact>>('/contacts/lookup' + query({ client_id: clientId, [by]: v }))
        .then(
          (r) => live && setState({ items: r.items, busy: false, done: true }),
          () => live && setState({ items: [], busy: false, done: true }),
        );
    }, 350);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [clientId, by, value]);
  return state;
}

export function NewCaseDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (c: Case) => void }) {
  const { me, projectId } = useSession();
  const [project, setProject] = useState<number | null>(projectId);
  const { topics } = useProjectData(project);
  const [subject, setSubject] = useState('');
  const [channel, setChannel] = useState<Channel>('email');
  const [topicId, setTopicId] = useState('');
  const [priority, setPriority] = useState<Priority>('normal');
  const [contactName, setContactName] = useState('');
  const [contactEmail, setContactEmail] = useState('');
  const [contactPhone, setContactPhone] = useState('');
  const [kind, setKind] = useState<'inbound' | 'note'>('inbound');
  const [body, setBody] = useState('');
  const byEmail = useContactLookup(clientOf(me, project), 'email', contactEmail);
  const byPhone = useContactLookup(clientOf(me, project), 'phone', contactPhone);
  const lookup = byEmail.items.length || !contactPhone.trim() ? byEmail : byPhone;
  const existing = byEmail.items[0] ?? byPhone.items[0] ?? null;
  // The dialog's own checks (noValidate: no browser bubbles in English).
  const [problems, setProblems] = useState<NewCaseProblems>({});
  const problem = (f: NewCaseField) => (problems[f] ? t(problems[f] as MsgKey) : null);
  const invalid = (f: NewCaseField) => (problems[f] ? { 'aria-invalid': true, 'aria-describedby': `new-case-${f}-error` } : {});
  // The required fields of the project's case mask are asked for right away.
  const mask = useLoad(
    () => (project ? api.get<List<CustomField>>(`/projects/${project}/fields?entity=case`) : Promise.resolve({ items: [] as CustomField[] })),
    [project],
  );
  const requiredFields = (mask.data?.items ?? []).filter((f) => f.active && f.required);
  const [custom, setCustom] = useState<Values>({});
  const [customErrors, setCustomErrors] = useState<FieldErrors>({});
  const firstRef = useRef<HTMLInputElement>(null);
  // The project is preset from the header; start typing the subject right away.
  useEffect(() => {
    if (project) firstRef.current?.focus();
  }, []);

  return (
    <FormModal
      title={t('cases.new')}
      submitLabel={t('common.create')}
      onClose={onClose}
      testId="new-case-form"
      noValidate
      onSubmit={async () => {
        const found = checkNewCase({ project, subject, existingContact: !!existing, contactName, contactEmail, contactPhone, body });
        setProblems(found);
        if (Object.keys(found).length) throw new Error(t('newCase.checkFields'));
        const req: Record<string, unknown> = { project_id: project, subject: subject.trim(), channel, priority };
        if (topicId) req.topic_id = Number(topicId);
        if (existing) req.contact_id = existing.id;
        else {
          const c: Record<string, string> = { name: contactName.trim() };
          if (contactEmail.trim()) c.email = contactEmail.trim();
          if (contactPhone.trim()) c.phone = contactPhone.trim();
          req.contact = c;
        }
        req.message = { kind, body_text: body };
        if (requiredFields.length) req.custom = filledValues(requiredFields, custom);
        setCustomErrors({});
        try {
          const created = await api.post<Case>('/cases', req);
          onCreated(created);
        } catch (err) {
          setCustomErrors(fieldErrors(err));
          throw err;
        }
      }}
    >
      <ProjectSelect value={project} onChange={setProject} error={problem('project')} />
      <Field label={t('case.subject')} error={problem('subject')} errorId="new-case-subject-error">
        <input ref={firstRef} required maxLength={300} value={subject} onInput={(e) => setSubject(e.currentTarget.value)} {...invalid('subject')} data-testid="case-subject" />
      </Field>
      <div class="form-row">
        <Field label={t('case.channel')}>
          <select value={channel} onChange={(e) => setChannel(e.currentTarget.value as Channel)} data-testid="case-channel">
            {CHANNELS.map((c) => (
              <option key={c} value={c}>
                {t(`channel.${c}`)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('case.priority')}>
          <select value={priority} onChange={(e) => setPriority(e.currentTarget.value as Priority)}>
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {t(`priority.${p}`)}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <Field label={t('case.topic')}>
        <select value={topicId} onChange={(e) => setTopicId(e.currentTarget.value)} data-testid="case-topic">
          <option value="">{t('case.noTopic')}</option>
          {topics.map((tp) => (
            <option key={tp.id} value={tp.id}>
              {tp.name}
            </option>
          ))}
        </select>
      </Field>
      <fieldset class="fieldset" aria-describedby={problems.contact ? 'new-case-contact-error' : undefined}>
        <legend>{t('case.contact')}</legend>
        <div class="form-row">
          <Field label={t('common.email')} error={problem('email')} errorId="new-case-email-error">
            <input type="email" value={contactEmail} onInput={(e) => setContactEmail(e.currentTarget.value)} {...invalid('email')} data-testid="case-contact-email" />
          </Field>
          <Field label={t('contacts.phone')}>
            <input type="tel" value={contactPhone} onInput={(e) => setContactPhone(e.currentTarget.value)} {...invalid('contact')} data-testid="case-contact-phone" />
          </Field>
        </div>
        {problems.contact && (
          <p class="field-error" id="new-case-contact-error" role="alert" data-testid="new-case-contact-error">
            {problem('contact')}
          </p>
        )}
        <Field label={t('common.name')} error={existing ? null : problem('name')} errorId="new-case-name-error">
          <input
            value={existing ? existing.name : contactName}
            disabled={!!existing}
            onInput={(e) => setContactName(e.currentTarget.value)}
            {...(existing ? {} : invalid('name'))}
            data-testid="case-contact-name"
          />
        </Field>
        <p class="field-hint" role="status">
          {lookup.busy ? t('contacts.looking') : existing ? t('contacts.existing', { name: existing.name }) : lookup.done ? t('contacts.willCreate') : ''}
        </p>
      </fieldset>
      {requiredFields.length > 0 && (
        <fieldset class="fieldset" data-testid="new-case-fields">
          <legend>{t('fields.requiredTitle')}</legend>
          <CustomFieldsForm
            fields={requiredFields.map((f) => ({ ...f, section: '' }))}
            values={custom}
            errors={customErrors}
            idPrefix="new-case-custom"
            onChange={(key, v) => setCustom((c) => ({ ...c, [key]: v }))}
          />
        </fieldset>
      )}
      <fieldset class="fieldset">
        <legend>{t('cases.firstMessage')}</legend>
        <div class="radio-row">
          <label>
            <input type="radio" name="first-kind" checked={kind === 'inbound'} onChange={() => setKind('inbound')} /> {t('message.kind.inbound')}
          </label>
          <label>
            <input type="radio" name="first-kind" checked={kind === 'note'} onChange={() => setKind('note')} /> {t('message.kind.note')}
          </label>
        </div>
        <textarea rows={4} aria-label={t('cases.firstMessage')} value={body} onInput={(e) => setBody(e.currentTarget.value)} {...invalid('body')} data-testid="case-body" />
        {problems.body && (
          <p class="field-error" id="new-case-body-error" role="alert" data-testid="new-case-body-error">
            {problem('body')}
          </p>
        )}
      </fieldset>
    </FormModal>
  );
}

export function LogCallDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (c: Case) => void }) {
  const { me, projectId } = useSession();
  const [project, setProject] = useState<number | null>(projectId);
  const { topics } = useProjectData(project);
  const [direction, setDirection] = useState<'inbound' | 'outbound'>('inbound');
  const [phone, setPhone] = useState('');
  const [contactChoice, setContactChoice] = useState<number | 'new'>('new');
  const [newName, setNewName] = useState('');
  const [subject, setSubject] = useState('');
  const [topicId, setTopicId] = useState('');
  const [notes, setNotes] = useState('');
  const [wait, setWait] = useState('');
  const [talk, setTalk] = useState('');
  const [after, setAfter] = useState('');
  const lookup = useContactLookup(clientOf(me, project), 'phone', phone);
  const phoneRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (project) phoneRef.current?.focus();
  }, []);

  // Pre-select the first match when the look-up finds someone.
  useEffect(() => {
    setContactChoice(lookup.items[0]?.id ?? 'new');
  }, [lookup.items]);

  const durations = [
    { label: t('call.wait'), value: wait, set: setWait, id: 'call-wait' },
    { label: t('call.talk'), value: talk, set: setTalk, id: 'call-talk' },
    { label: t('call.afterWork'), value: after, set: setAfter, id: 'call-after' },
  ];

  return (
    <FormModal
      title={t('call.title')}
      submitLabel={t('call.save')}
      onClose={onClose}
      testId="log-call-form"
      onSubmit={async () => {
        const secs = durations.map((d) => parseMinSec(d.value));
        if (secs.some((s) => s === null)) throw new Error(t('call.badDuration'));
        const req: Record<string, unknown> = {
          project_id: project,
          direction,
          phone: phone.trim(),
          subject: subject.trim(),
          wait_seconds: secs[0],
          talk_seconds: secs[1],
          after_work_seconds: secs[2],
          // The recorded message speaks the UI's language.
          language: getLocale(),
        };
        if (contactChoice !== 'new') req.contact_id = contactChoice;
        else if (newName.trim()) req.contact_name = newName.trim();
        if (topicId) req.topic_id = Number(topicId);
        if (notes.trim()) req.notes = notes;
        const created = await api.post<Case>('/calls', req);
        onCreated(created);
      }}
    >
      <ProjectSelect value={project} onChange={setProject} />
      <fieldset class="fieldset">
        <legend>{t('call.direction')}</legend>
        <div class="radio-row">
          <label>
            <input type="radio" name="call-dir" checked={direction === 'inbound'} onChange={() => setDirection('inbound')} /> {t('call.inbound')}
          </label>
          <label>
            <input type="radio" name="call-dir" checked={direction === 'outbound'} onChange={() => setDirection('outbound')} /> {t('call.outbound')}
          </label>
        </div>
      </fieldset>
      <Field label={t('call.phone')}>
        <input ref={phoneRef} type="tel" required autoComplete="off" value={phone} onInput={(e) => setPhone(e.currentTarget.value)} data-testid="call-phone" />
      </Field>
      <div class="lookup" role="status" aria-live="polite">
        {lookup.busy && <span class="muted">{t('contacts.looking')}</span>}
        {!lookup.busy && lookup.done && (
          <div class="radio-list" data-testid="call-contacts">
            {lookup.items.map((c) => (
              <label key={c.id}>
                <input type="radio" name="call-contact" checked={contactChoice === c.id} onChange={() => setContactChoice(c.id)} />{' '}
                <strong>{c.name}</strong>
                <span class="muted">
                  {' '}
                  {[c.customer_number, c.organization_name, c.phones.join(', ')].filter(Boolean).join(' · ')}
                </span>
              </label>
            ))}
            <label>
              <input type="radio" name="call-contact" checked={contactChoice === 'new'} onChange={() => setContactChoice('new')} /> {t('contacts.newContact')}
            </label>
          </div>
        )}
      </div>
      {contactChoice === 'new' && (
        <Field label={t('call.contactName')}>
          <input value={newName} onInput={(e) => setNewName(e.currentTarget.value)} data-testid="call-contact-name" />
        </Field>
      )}
      <Field label={t('case.subject')}>
        <input required value={subject} onInput={(e) => setSubject(e.currentTarget.value)} data-testid="call-subject" />
      </Field>
      <Field label={t('case.topic')}>
        <select value={topicId} onChange={(e) => setTopicId(e.currentTarget.value)}>
          <option value="">{t('case.noTopic')}</option>
          {topics.map((tp) => (
            <option key={tp.id} value={tp.id}>
              {tp.name}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t('call.notes')}>
        <textarea rows={3} value={notes} onInput={(e) => setNotes(e.currentTarget.value)} data-testid="call-notes" />
      </Field>
      <div class="form-row form-row-3">
        {durations.map((d) => (
          <Field key={d.id} label={d.label} hint={t('call.durationHint')}>
            <input
              inputMode="numeric"
              placeholder="0:00"
              pattern="\d{1,3}(:[0-5]?\d)?"
              value={d.value}
              onInput={(e) => d.set(e.currentTarget.value)}
              data-testid={d.id}
            />
          </Field>
        ))}
      </div>
    </FormModal>
  );
}
