// The common shapes of the server's cron expressions (UTC, six fields with
// seconds first, or five), so the UI can word a schedule ("täglich um 03:30")
// and the schedule picker can write one. Anything else is `custom` and shown
// as the expression. Pure (no DOM, no messages): unit-tested in
// test/cron.test.ts.

export type CronShape =
  | { kind: 'everySeconds'; n: number }
  | { kind: 'everyMinutes'; n: number }
  | { kind: 'hourly'; minute: number }
  | { kind: 'daily'; hour: number; minute: number }
  /** `day`: 0 = Sunday … 6 = Saturday. */
  | { kind: 'weekly'; day: number; hour: number; minute: number }
  | { kind: 'custom' };

const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** A plain number within [min, max], else null. */
function num(field: string, min: number, max: number): number | null {
  if (!/^\d{1,2}$/.test(field)) return null;
  const n = Number(field);
  return n >= min && n <= max ? n : null;
}

/** `*` → 1, `*\/n` → n, else null. */
function step(field: string, max: number): number | null {
  if (field === '*') return 1;
  const m = /^\*\/(\d{1,2})$/.exec(field);
  if (!m) return null;
  const n = Number(m[1]);
  return n >= 1 && n <= max ? n : null;
}

function weekday(field: string): number | null {
  const byName = DAY_NAMES.indexOf(field.toUpperCase());
  if (byName >= 0) return byName;
  const n = num(field, 0, 7);
  return n === null ? null : n % 7;
}

/** The shape of a cron expression, `custom` when it has none of the common ones. */
export function parseCron(expr: string): CronShape {
  const fields = expr.trim().split(/\s+/);
  if (fields.length === 5) fields.unshift('0');
  if (fields.length !== 6) return { kind: 'custom' };
  const [sec, min, hour, dom, month, dow] = fields as [string, string, string, string, string, string];
  if (dom !== '*' || month !== '*') return { kind: 'custom' };
  const everyDay = dow === '*' || dow === '?';
  if (everyDay && hour === '*' && min === '*' && sec !== '0') {
    const n = step(sec, 59);
    return n === null ? { kind: 'custom' } : { kind: 'everySeconds', n };
  }
  if (num(sec, 0, 0) === null) return { kind: 'custom' };
  if (everyDay && hour === '*') {
    const n = step(min, 59);
    if (n !== null) return { kind: 'everyMinutes', n };
    const minute = num(min, 0, 59);
    return minute === null ? { kind: 'custom' } : { kind: 'hourly', minute };
  }
  const h = num(hour, 0, 23);
  const m = num(min, 0, 59);
  if (h === null || m === null) return { kind: 'custom' };
  if (everyDay) return { kind: 'daily', hour: h, minute: m };
  const day = weekday(dow);
  return day === null ? { kind: 'custom' } : { kind: 'weekly', day, hour: h, minute: m };
}

/** The cron expression (six fields) of a shape; null for `custom`. */
export function cronFor(shape: CronShape): string | null {
  switch (shape.kind) {
    case 'everySeconds':
      return shape.n === 1 ? '* * * * * *' : `*/${shape.n} * * * * *`;
    case 'everyMinutes':
      return shape.n === 1 ? '0 * * * * *' : `0 */${shape.n} * * * *`;
    case 'hourly':
      return `0 ${shape.minute} * * * *`;
    case 'daily':
      return `0 ${shape.minute} ${shape.hour} * * *`;
    case 'weekly':
      return `0 ${shape.minute} ${shape.hour} * * ${DAY_NAMES[shape.day]}`;
    case 'custom':
      return null;
  }
}

/** `HH:MM` of an hour and a minute. */
export function clock(hour: number, minute: number): string {
  return `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
}
