import type { ComponentChildren } from 'preact';
import { onLinkClick } from '../router';

/** An in-app link: a real <a href>, navigates through the router on plain clicks. */
export function Link(props: { href: string; class?: string; children: ComponentChildren; testId?: string; current?: boolean; onNavigate?: () => void }) {
  return (
    <a
      href={props.href}
      class={props.class}
      data-testid={props.testId}
      aria-current={props.current ? 'page' : undefined}
      onClick={(e) => {
        onLinkClick(e);
        props.onNavigate?.();
      }}
    >
      {props.children}
    </a>
  );
}
