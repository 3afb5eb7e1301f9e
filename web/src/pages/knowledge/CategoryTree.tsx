// The category tree: nested, ordered; a category is chosen with a click or
// the arrow keys. Editors manage the chosen category from a toolbar: new,
// rename, move, up/down, delete.

import { useRef, useState } from 'preact/hooks';
import { t } from '../../i18n';
import { errorMessage as errorText } from '../../components/errors';
import { Field } from '../../components/Field';
import { ConfirmModal, FormModal } from '../../components/Modal';
import { flatten, type CategoryNode } from './hooks';
import { kb, type Category } from './kb';

interface Props {
  clientId: number;
  tree: CategoryNode[];
  categories: Category[];
  selected: number | null;
  onSelect: (id: number | null) => void;
  editor: boolean;
  reload: () => Promise<void>;
}

export function CategoryTree(props: Props) {
  const ref = useRef<HTMLDivElement>(null);
  // Up/Down (and Home/End) move between the entries; Enter/Space choose.
  const onKey = (e: KeyboardEvent) => {
    if (!['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(e.key)) return;
    const items = [...(ref.current?.querySelectorAll<HTMLButtonElement>('.kb-tree-item') ?? [])];
    const i = items.indexOf(document.activeElement as HTMLButtonElement);
    const next = e.key === 'Home' ? 0 : e.key === 'End' ? items.length - 1 : e.key === 'ArrowDown' ? Math.min(items.length - 1, i + 1) : Math.max(0, i - 1);
    items[next]?.focus();
    e.preventDefault();
  };
  const item = (id: number | null, label: string, depth: number) => (
    <button
      type="button"
      class={props.selected === id ? 'kb-tree-item kb-tree-current' : 'kb-tree-item'}
      style={{ paddingLeft: `${0.5 + depth * 1}rem` }}
      aria-current={props.selected === id ? 'true' : undefined}
      onClick={() => props.onSelect(id)}
      data-testid={id === null ? 'kb-cat-all' : `kb-cat-${id}`}
    >
      {label}
    </button>
  );
  const render = (nodes: CategoryNode[]) => (
    <ul>
      {nodes.map((n) => (
        <li key={n.category.id}>
          {item(n.category.id, n.category.name, n.depth + 1)}
          {n.children.length > 0 && render(n.children)}
        </li>
      ))}
    </ul>
  );
  return (
    <div class="kb-tree" ref={ref} onKeyDown={onKey} data-testid="kb-tree">
      <h2 class="kb-side-title">{t('kb.categories')}</h2>
      <ul>
        <li>{item(null, t('kb.allCategories'), 0)}</li>
      </ul>
      {render(props.tree)}
      {props.editor && <CategoryTools {...props} />}
    </div>
  );
}

type Dialog = 'new' | 'rename' | 'move' | 'delete' | null;

function CategoryTools({ clientId, tree, categories, selected, onSelect, reload }: Props) {
  const [dialog, setDialog] = useState<Dialog>(null);
  const [name, setName] = useState('');
  const [parent, setParent] = useState<string>('');
  const [error, setError] = useState<unknown>(null);
  const current = categories.find((c) => c.id === selected) ?? null;
  const flat = flatten(tree);

  const siblings = current
    ? flat.filter((n) => (n.category.parent_id ?? null) === (current.parent_id ?? null)).map((n) => n.category)
    : [];
  const index = current ? siblings.findIndex((c) => c.id === current.id) : -1;

  // Reorder: swap with the neighbour, then number the siblings 0, 1, 2, … .
  const shift = async (by: -1 | 1) => {
    if (!current) return;
    const order = [...siblings];
    const j = index + by;
    if (j < 0 || j >= order.length) return;
    [order[index], order[j]] = [order[j], order[index]];
    setError(null);
    try {
      for (const [i, c] of order.entries()) if (c.position !== i) await kb.updateCategory(c.id, { position: i });
      await reload();
    } catch (e) {
      setError(e);
    }
  };

  // A category cannot move below itself or its descendants.
  const below = new Set<number>();
  if (current) {
    const walk = (id: number) => {
      below.add(id);
      categories.filter((c) => c.parent_id === id).forEach((c) => walk(c.id));
    };
    walk(current.id);
  }

  return (
    <div class="kb-tree-tools">
      <div class="kb-tree-buttons">
        <button type="button" class="btn btn-small" onClick={() => (setName(''), setDialog('new'))} data-testid="kb-cat-new">
          {current ? t('kb.cat.newChild') : t('kb.cat.new')}
        </button>
        {current && (
          <>
            <button type="button" class="btn btn-small" onClick={() => (setName(current.name), setDialog('rename'))} data-testid="kb-cat-rename">
              {t('kb.cat.rename')}
            </button>
            <button type="button" class="btn btn-small" onClick={() => (setParent(String(current.parent_id ?? '')), setDialog('move'))} data-testid="kb-cat-move">
              {t('kb.cat.move')}
            </button>
            <button type="button" class="btn btn-small" disabled={index <= 0} onClick={() => void shift(-1)} aria-label={t('kb.cat.up')} title={t('kb.cat.up')} data-testid="kb-cat-up">
              ↑
            </button>
            <button
              type="button"
              class="btn btn-small"
              disabled={index < 0 || index >= siblings.length - 1}
              onClick={() => void shift(1)}
              aria-label={t('kb.cat.down')}
              title={t('kb.cat.down')}
              data-testid="kb-cat-down"
            >
              ↓
            </button>
            <button type="button" class="btn btn-small btn-danger-quiet" onClick={() => setDialog('delete')} data-testid="kb-cat-delete">
              {t('common.delete')}
            </button>
          </>
        )}
      </div>
      {error !== null && <p class="alert alert-error" role="alert">{errorText(error)}</p>}
      {dialog === 'new' && (
        <FormModal
          title={current ? t('kb.cat.newChildOf', { name: current.name }) : t('kb.cat.new')}
          submitLabel={t('common.create')}
          onClose={() => setDialog(null)}
          onSubmit={async () => {
            // No position: the server puts it after the last sibling.
            const created = await kb.createCategory({ client_id: clientId, parent_id: current?.id ?? null, name });
            await reload();
            onSelect(created.id);
          }}
          testId="kb-cat-dialog"
        >
          <Field label={t('kb.cat.name')}>
            <input value={name} onInput={(e) => setName(e.currentTarget.value)} maxLength={120} required data-testid="kb-cat-name" />
          </Field>
        </FormModal>
      )}
      {dialog === 'rename' && current && (
        <FormModal
          title={t('kb.cat.rename')}
          submitLabel={t('common.save')}
          onClose={() => setDialog(null)}
          onSubmit={async () => {
            await kb.updateCategory(current.id, { name });
            await reload();
          }}
          testId="kb-cat-dialog"
        >
          <Field label={t('kb.cat.name')}>
            <input value={name} onInput={(e) => setName(e.currentTarget.value)} maxLength={120} required data-testid="kb-cat-name" />
          </Field>
        </FormModal>
      )}
      {dialog === 'move' && current && (
        <FormModal
          title={t('kb.cat.moveTitle', { name: current.name })}
          submitLabel={t('kb.cat.move')}
          onClose={() => setDialog(null)}
          onSubmit={async () => {
            const parent_id = parent ? Number(parent) : null;
            await kb.updateCategory(current.id, { parent_id });
            await reload();
          }}
          testId="kb-cat-dialog"
        >
          <Field label={t('kb.cat.parent')}>
            <select value={parent} onChange={(e) => setParent(e.currentTarget.value)} data-testid="kb-cat-parent">
              <option value="">{t('kb.cat.top')}</option>
              {flat
                .filter((n) => !below.has(n.category.id))
                .map((n) => (
                  <option key={n.category.id} value={n.category.id}>
                    {'\u00a0\u00a0'.repeat(n.depth) + n.category.name}
                  </option>
                ))}
            </select>
          </Field>
        </FormModal>
      )}
      {dialog === 'delete' && current && (
        <ConfirmModal
          title={t('kb.cat.deleteTitle')}
          text={t('kb.cat.deleteText', { name: current.name })}
          confirmLabel={t('common.delete')}
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await kb.deleteCategory(current.id);
            onSelect(current.parent_id ?? null);
            await reload();
          }}
        />
      )}
    </div>
  );
}
