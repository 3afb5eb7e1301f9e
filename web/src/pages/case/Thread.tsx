// The case's thread: messages (the latest few, earlier ones on request),
// each with its e-mail delivery state and the marks of the mail it came in.

import { useEffect, useRef, useState } from 'preact/hooks';
import type { CallTimes, Delivery, InboundMail, Message } from '../../api';
import { formatBytes, formatDateTime, formatDuration, hasMessage, t, type MsgKey } from '../../i18n';
import { MailMarks } from '../Mailboxes';

const VISIBLE_MESSAGES = 6;

export function Thread(props: {
  messages: Message[];
  contactName: string | null;
  deliveries: Delivery[];
  mails: InboundMail[];
  onRetry: (d: Delivery) => void;
}) {
  const { messages } = props;
  const [showAll, setShowAll] = useState(false);
  const hidden = showAll ? 0 : Math.max(0, messages.length - VISIBLE_MESSAGES);
  // On a laptop screen the thread scrolls on its own above the composer:
  // the newest message is shown next to it, as a new one arrives too.
  const ref = useRef<HTMLElement>(null);
  const newest = messages[messages.length - 1]?.id;
  useEffect(() => {
    const el = ref.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [newest]);
  return (
    <section ref={ref} class="thread" aria-label={t('case.thread')} data-testid="thread" tabIndex={0}>
      {messages.length === 0 && <p class="muted">{t('case.noMessages')}</p>}
      {hidden > 0 && (
        <button type="button" class="btn btn-small thread-more" onClick={() => setShowAll(true)}>
          {t('case.showEarlier', { n: hidden })}
        </button>
      )}
      {messages.slice(hidden).map((m) => (
        <MessageView
          key={m.id}
          m={m}
          contactName={props.contactName}
          delivery={props.deliveries.find((d) => d.message_id === m.id)}
          onRetry={props.onRetry}
          mail={props.mails.find((x) => x.thread_message_id === m.id)}
        />
      ))}
    </section>
  );
}

function htmlToText(html: string): string {
  // DOMParser documents are inert: no scripts run, nothing is fetched.
  return new DOMParser().parseFromString(html, 'text/html').body.textContent ?? '';
}

function DeliveryBadge({ d, onRetry }: { d: Delivery; onRetry: (d: Delivery) => void }) {
  const detail = [
    d.to_address ? t('delivery.to', { to: d.to_address }) : '',
    d.state === 'retrying' && d.next_attempt_at ? t('delivery.nextAttempt', { at: formatDateTime(d.next_attempt_at) }) : '',
  ]
    .filter(Boolean)
    .join(' · ');
  return (
    <div class={`msg-delivery delivery-${d.state}`} data-testid="delivery" data-state={d.state}>
      <span class={`badge ${d.state === 'sent' ? 'badge-on' : d.state === 'queued' ? 'badge-off' : 'badge-danger'}`}>{t(`delivery.${d.state}` as MsgKey)}</span>
      {detail && <span class="muted small"> {detail}</span>}
      {d.error_code && d.state !== 'sent' && (
        // The reason in the reader's language; the server's own words on hover.
        <span class="small delivery-error" title={d.last_error ?? undefined} data-testid="delivery-reason" data-code={d.error_code}>
          {' '}
          {hasMessage(`delivery.reason.${d.error_code}`) ? t(`delivery.reason.${d.error_code}` as MsgKey) : t('delivery.reason.other')}
        </span>
      )}
      {d.state !== 'sent' && d.state !== 'queued' && (
        <button type="button" class="btn btn-small" onClick={() => onRetry(d)}>
          {t('delivery.retryNow')}
        </button>
      )}
    </div>
  );
}

function MessageView({ m, contactName, delivery, onRetry, mail }: { m: Message; contactName: string | null; delivery?: Delivery; onRetry: (d: Delivery) => void; mail?: InboundMail }) {
  const author = m.author_name ?? (m.kind === 'inbound' ? (contactName ?? m.from_address) : m.from_address) ?? t('case.someone');
  const body = m.body_text ?? (m.body_html ? htmlToText(m.body_html) : '');
  return (
    <article class={`msg msg-${m.kind}`} data-testid="message" data-kind={m.kind}>
      <header class="msg-head">
        <strong class="msg-author">{author}</strong>
        <span class={`msg-kind msg-kind-${m.kind}`} data-testid="message-kind">
          {t(m.call ? `message.kind.call.${m.kind}` : `message.kind.${m.kind}`)}
        </span>
        {m.from_address && m.author_name && m.kind === 'inbound' && <span class="muted small">{m.from_address}</span>}
        {mail && <MailMarks mail={mail} />}
        <time class="muted small msg-time" dateTime={m.created_at}>
          {formatDateTime(m.created_at)}
        </time>
      </header>
      {m.subject && m.kind !== 'note' && <div class="msg-subject">{m.subject}</div>}
      <div class="msg-body">{body}</div>
      {m.call && <CallTimesLine call={m.call} />}
      {delivery && <DeliveryBadge d={delivery} onRetry={onRetry} />}
      {m.attachments.length > 0 && (
        <ul class="attachments">
          {m.attachments.map((a) => (
            <li key={a.id}>
              <a href={a.url} download={a.filename}>
                📎 {a.filename}
              </a>{' '}
              <span class="muted small">{formatBytes(a.size)}</span>
            </li>
          ))}
        </ul>
      )}
    </article>
  );
}

/** A logged call's times, from its time records: "Wartezeit 0:42 · Gesprächszeit 5:10 · Nachbearbeitung 1:00". */
function CallTimesLine({ call }: { call: CallTimes }) {
  const parts: [string, number][] = [
    [t('call.wait'), call.wait_seconds],
    [t('call.talk'), call.talk_seconds],
    [t('call.afterWork'), call.after_work_seconds],
  ];
  return (
    <div class="msg-call muted small" data-testid="call-times">
      {parts.map(([label, seconds]) => `${label} ${formatDuration(seconds)}`).join(' · ')}
    </div>
  );
}
