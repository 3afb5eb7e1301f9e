import type { ForecastCurrent } from '../../api';
import { t } from '../../i18n';
import { Field } from '../../components/Field';
import { formatMonth } from './format';

/** The months of the planning window to look at. */
export function MonthPicker(props: { current: ForecastCurrent; month: string; onMonth: (month: string) => void }) {
  return (
    <Field label={t('fc.chooseMonth')}>
      <select value={props.month} onChange={(e) => props.onMonth(e.currentTarget.value)} data-testid="fc-month">
        {props.current.months.map((m) => (
          <option key={m.month} value={m.month}>
            {formatMonth(m.month)}
          </option>
        ))}
      </select>
    </Field>
  );
}
