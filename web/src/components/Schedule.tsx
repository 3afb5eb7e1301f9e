// Schedules in words ("täglich um 03:30 UTC", "alle 15 Minuten") and the
// picker that writes a cron expression from a few choices. The shapes are
// cron.ts's; an expression of another shape is shown as it is.

import { useState } from 'preact/hooks';
import type { ServiceSchedule } from '../api';
import { t, type MsgKey } from '../i18n';
import { clock, cronFor, parseCron, type CronShape } from './cron';
import { Field } from './Field';
import { LocaleInput } from './LocaleInput';

/** A cron expression (UTC) in words, the expression itself when it has no common shape. */
export function describeCron(expr: string): string {
  const shape = parseCron(expr);
  switch (shape.kind) {
    case 'everySeconds':
      return t('schedule.everySeconds', { n: shape.n });
    case 'everyMinutes':
      return t('schedule.everyMinutes', { n: shape.n });
    case 'hourly':
      return t('schedule.hourly', { minute: String(shape.minute).padStart(2, '0') });
    case 'daily':
      return t('schedule.daily', { time: clock(shape.hour, shape.minute) });
    case 'weekly':
      return t('schedule.weekly', { day: t(`schedule.weekday.${shape.day}` as MsgKey), time: clock(shape.hour, shape.minute) });
    case 'custom':
      return t('schedule.custom', { expr });
  }
}

/** A service's schedule in words. */
export function describeSchedule(s: ServiceSchedule): string {
  switch (s.kind) {
    case 'cron':
      return describeCron(s.expr);
    case 'interval':
      return s.seconds % 60 === 0 ? t('schedule.everyMinutes', { n: s.seconds / 60 }) : t('schedule.everySeconds', { n: s.seconds });
    case 'continuous':
      return t('schedule.continuous');
  }
}

type PickerKind = 'everyMinutes' | 'hourly' | 'daily' | 'weekly' | 'custom';
const KINDS: PickerKind[] = ['everyMinutes', 'hourly', 'daily', 'weekly', 'custom'];
/** Monday first, as the week is read here. */
const DAYS = [1, 2, 3, 4, 5, 6, 0];

/** The picker's state for an expression; seconds-steps are only reachable as custom. */
function pickerShape(expr: string): CronShape {
  const shape = parseCron(expr);
  return shape.kind === 'everySeconds' ? { kind: 'custom' } : shape;
}

/** A shape of another kind, keeping what the two have in common. */
function switchKind(from: CronShape, kind: PickerKind): CronShape {
  const hour = 'hour' in from ? from.hour : 3;
  const minute = 'minute' in from ? from.minute : 0;
  switch (kind) {
    case 'everyMinutes':
      return { kind, n: 'n' in from ? from.n : 5 };
    case 'hourly':
      return { kind, minute };
    case 'daily':
      return { kind, hour, minute };
    case 'weekly':
      return { kind, day: 'day' in from ? from.day : 1, hour, minute };
    case 'custom':
      return { kind };
  }
}

/**
 * Chooses a schedule: every N minutes, hourly, daily or weekly at a time
 * (UTC, as the server runs them), or a cron expression of one's own. Gives
 * the cron expression to `onChange`.
 */
export function SchedulePicker(props: { value: string; onChange: (expr: string) => void; testId?: string }) {
  const [shape, setShape] = useState<CronShape>(() => pickerShape(props.value));
  const change = (next: CronShape) => {
    setShape(next);
    const expr = cronFor(next);
    if (expr !== null) props.onChange(expr);
  };
  const time = 'hour' in shape ? clock(shape.hour, shape.minute) : '';
  const setTime = (value: string) => {
    const m = /^(\d{2}):(\d{2})$/.exec(value);
    if (m && (shape.kind === 'daily' || shape.kind === 'weekly')) change({ ...shape, hour: Number(m[1]), minute: Number(m[2]) });
  };
  const id = props.testId ?? 'schedule';
  return (
    <div class="schedule-picker" data-testid={id}>
      <Field label={t('schedule.picker.kind')}>
        <select value={shape.kind} onChange={(e) => change(switchKind(shape, e.currentTarget.value as PickerKind))} data-testid={`${id}-kind`}>
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {t(`schedule.picker.${k}` as MsgKey)}
            </option>
          ))}
        </select>
      </Field>
      {shape.kind === 'everyMinutes' && (
        <Field label={t('schedule.picker.minutes')}>
          <LocaleInput kind="integer" min={1} max={59} value={shape.n} onValue={(n) => n !== null && change({ ...shape, n })} data-testid={`${id}-minutes`} />
        </Field>
      )}
      {shape.kind === 'hourly' && (
        <Field label={t('schedule.picker.minute')}>
          <LocaleInput kind="integer" min={0} max={59} value={shape.minute} onValue={(n) => n !== null && change({ ...shape, minute: n })} data-testid={`${id}-minute`} />
        </Field>
      )}
      {shape.kind === 'weekly' && (
        <Field label={t('schedule.picker.day')}>
          <select value={String(shape.day)} onChange={(e) => change({ ...shape, day: Number(e.currentTarget.value) })} data-testid={`${id}-day`}>
            {DAYS.map((d) => (
              <option key={d} value={String(d)}>
                {t(`schedule.weekday.${d}` as MsgKey)}
              </option>
            ))}
          </select>
        </Field>
      )}
      {(shape.kind === 'daily' || shape.kind === 'weekly') && (
        <Field label={t('schedule.picker.time')}>
          <LocaleInput kind="time" required value={time || null} onValue={(v) => v && setTime(v)} data-testid={`${id}-time`} />
        </Field>
      )}
      {shape.kind === 'custom' && (
        <Field label={t('schedule.picker.expr')}>
          <input required class="mono" value={props.value} onInput={(e) => props.onChange(e.currentTarget.value)} data-testid={`${id}-expr`} />
        </Field>
      )}
      <p class="muted" data-testid={`${id}-summary`}>
        {describeCron(props.value)}
      </p>
    </div>
  );
}
