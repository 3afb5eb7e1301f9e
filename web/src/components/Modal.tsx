import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n';
import { ErrorBox } from './ErrorBox';

interface ModalProps {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  testId?: string;
}

/**
 * A modal <dialog>. Escape closes it (native `cancel`), focus moves into it
 * and goes back to the element that opened it.
 */
export function Modal({ title, onClose, children, testId }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    const dlg = ref.current!;
    if (!dlg.open) dlg.showModal();
    const first = dlg.querySelector<HTMLElement>('[autofocus], input, select, textarea, button.btn-primary');
    first?.focus();
    return () => {
      if (dlg.open) dlg.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      class="modal"
      aria-labelledby="modal-title"
      data-testid={testId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <div class="modal-head">
        <h2 id="modal-title">{title}</h2>
        <button type="button" class="btn-icon" aria-label={t('common.close')} onClick={onClose}>
          ×
        </button>
      </div>
      <div class="modal-body">{children}</div>
    </dialog>
  );
}

interface FormModalProps {
  title: string;
  submitLabel: string;
  onClose: () => void;
  /** Throw to keep the dialog open and show the error; answer 'stay' to keep it open (a next step). */
  onSubmit: () => Promise<void | 'stay'>;
  children: ComponentChildren;
  /** Buttons before the submit button (e.g. "Back" in a form of steps). */
  extraActions?: ComponentChildren;
  testId?: string;
  danger?: boolean;
  /** The form checks its fields itself and shows its own, translated messages. */
  noValidate?: boolean;
}

/** A modal with a form: Enter submits, errors are shown inside, closes on success. */
export function FormModal({ title, submitLabel, onClose, onSubmit, children, testId, danger, noValidate, extraActions }: FormModalProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      if ((await onSubmit()) === 'stay') {
        setBusy(false);
        return;
      }
      onClose();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Modal title={title} onClose={onClose} testId={testId}>
      <form onSubmit={submit} class="form" noValidate={noValidate}>
        {children}
        <ErrorBox error={error} />
        <div class="form-actions">
          <button type="button" class="btn" onClick={onClose}>
            {t('common.cancel')}
          </button>
          {extraActions}
          <button type="submit" class={danger ? 'btn btn-danger' : 'btn btn-primary'} disabled={busy} data-testid="submit">
            {busy ? t('common.saving') : submitLabel}
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** Confirmation dialog for destructive actions. */
export function ConfirmModal(props: { title: string; text: string; confirmLabel: string; onClose: () => void; onConfirm: () => Promise<void> }) {
  return (
    <FormModal title={props.title} submitLabel={props.confirmLabel} onClose={props.onClose} onSubmit={props.onConfirm} danger testId="confirm">
      <p>{props.text}</p>
    </FormModal>
  );
}
