import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { t } from '../i18n';

/** Page heading with optional actions on the right; also sets document.title. */
export function Page(props: { title: string; actions?: ComponentChildren; children: ComponentChildren; testId?: string; wide?: boolean }) {
  useEffect(() => {
    document.title = `${props.title} · ${t('app.name')}`;
  }, [props.title]);
  return (
    <section class={props.wide ? 'page page-wide' : 'page'} data-testid={props.testId}>
      <header class="page-head">
        <h1>{props.title}</h1>
        {props.actions && <div class="page-actions">{props.actions}</div>}
      </header>
      {props.children}
    </section>
  );
}

export function Loading() {
  return (
    <p class="muted" role="status">
      {t('app.loading')}
    </p>
  );
}

export function Empty({ colSpan }: { colSpan: number }) {
  return (
    <tr>
      <td colSpan={colSpan} class="empty">
        {t('common.empty')}
      </td>
    </tr>
  );
}

export function Badge({ on, yes, no }: { on: boolean; yes?: string; no?: string }) {
  return <span class={on ? 'badge badge-on' : 'badge badge-off'}>{on ? (yes ?? t('common.active')) : (no ?? t('common.inactive'))}</span>;
}
