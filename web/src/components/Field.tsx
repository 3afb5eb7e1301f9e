import type { ComponentChildren } from 'preact';

/**
 * A labelled form field: the label wraps the control, so clicking it focuses
 * the control. `error` is the form's own message for it (forms with
 * noValidate); the control should carry aria-invalid and
 * aria-describedby={errorId}.
 */
export function Field(props: { label: string; hint?: string; children: ComponentChildren; inline?: boolean; error?: string | null; errorId?: string }) {
  return (
    <label class={props.inline ? 'field field-inline' : 'field'}>
      <span class="field-label">{props.label}</span>
      {props.children}
      {props.hint && <span class="field-hint">{props.hint}</span>}
      {props.error && (
        <span class="field-error" id={props.errorId} role="alert" data-testid={props.errorId}>
          {props.error}
        </span>
      )}
    </label>
  );
}
