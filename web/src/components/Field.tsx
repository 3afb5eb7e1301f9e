import type { ComponentChildren } from 'preact';

/** A labelled form field: the label wraps the control, so clicking it focuses the control. */
export function Field(props: { label: string; hint?: string; children: ComponentChildren; inline?: boolean }) {
  return (
    <label class={props.inline ? 'field field-inline' : 'field'}>
      <span class="field-label">{props.label}</span>
      {props.children}
      {props.hint && <span class="field-hint">{props.hint}</span>}
    </label>
  );
}
