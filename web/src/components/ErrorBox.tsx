import { errorMessage } from './errors';

/** An alert box for an error thrown by the API client; renders nothing for null. */
export function ErrorBox({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  return (
    <div class="alert alert-error" role="alert" data-testid="error">
      {errorMessage(error)}
    </div>
  );
}
