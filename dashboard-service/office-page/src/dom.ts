type Child = Node | string | null | undefined | false;
type Attributes = Record<string, string | number | boolean | undefined>;

/**
 * Builds an element: `el('button', { type: 'button', class: 'link' }, 'Undo')`.
 * Attributes set with `setAttribute` and text as text nodes, never HTML, so
 * names from the roster can never inject markup (and no inline script or
 * handler is ever needed: the CSP forbids both).
 */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  element.append(...children.filter((child): child is Node | string => child !== null && child !== undefined && child !== false));
  return element;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svg(tag: string, attributes: Attributes = {}, ...children: Child[]): SVGElement {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined && value !== false) element.setAttribute(name, String(value));
  element.append(...children.filter((child): child is Node | string => child !== null && child !== undefined && child !== false));
  return element;
}

export const numberFormat = new Intl.NumberFormat('en');

export function formatTime(epochMs: number | string | null | undefined): string {
  if (epochMs === null || epochMs === undefined) return '';
  return new Date(epochMs).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** `HH:MM` (24 h, local) as an `<input type="time">` takes it. */
export function timeInputValue(at: Date | number | string): string {
  const date = new Date(at);
  return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
}

let toastTimer: number | undefined;

/** A short message in the page's polite live region (read out by screen readers). */
export function announce(message: string, tone: 'ok' | 'error' = 'ok'): void {
  const toast = document.getElementById('toast');
  if (!toast) return;
  toast.textContent = message;
  toast.dataset.tone = tone;
  toast.classList.add('shown');
  window.clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => toast.classList.remove('shown'), 6000);
}
