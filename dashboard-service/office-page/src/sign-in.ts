import { ApiError, getJson, tokenStore } from './api.ts';
import { el } from './dom.ts';

interface SchoolRow {
  schoolId: string;
  name: string;
}

/** Where to go after sign-in: the page the user came from (same origin paths only), if any. */
function nextPath(): string | null {
  const next = new URLSearchParams(location.search).get('next');
  return next && /^\/schools\/[A-Za-z0-9_-]{1,64}$/.test(next) ? next : null;
}

/**
 * What a token may see: an admin token reads `/stats/today`, a school token
 * is refused it (403) and lists exactly its own school in `/schools`.
 */
async function signInWith(token: string): Promise<{ role: 'admin'; schools: SchoolRow[] } | { role: 'school'; school: SchoolRow }> {
  const listed = await getJson<{ items: SchoolRow[] }>('/schools?sort=name&order=asc&limit=1000', { token });
  try {
    await getJson('/stats/today', { token });
    return { role: 'admin', schools: listed.items };
  } catch (err) {
    if (err instanceof ApiError && err.code === 'forbidden-role' && listed.items[0]) return { role: 'school', school: listed.items[0] };
    throw err;
  }
}

function schoolPicker(schools: SchoolRow[]): HTMLElement {
  const search = el('input', { type: 'search', id: 'school-search', autocomplete: 'off', placeholder: 'Name or id' });
  const list = el('ul', { class: 'school-list', id: 'school-list' });
  const render = (): void => {
    const needle = search.value.trim().toLowerCase();
    const shown = schools.filter((school) => !needle || school.name.toLowerCase().includes(needle) || school.schoolId.toLowerCase().includes(needle)).slice(0, 200);
    list.replaceChildren(...shown.map((school) => el('li', {}, el('a', { href: `/schools/${encodeURIComponent(school.schoolId)}` }, school.name, ' ', el('span', { class: 'muted' }, school.schoolId)))));
    if (shown.length === 0) list.append(el('li', { class: 'muted' }, 'No school matches.'));
  };
  search.addEventListener('input', render);
  render();
  return el('section', { class: 'panel', 'aria-labelledby': 'pick-title' }, el('h1', { id: 'pick-title' }, 'Choose a school'), el('label', { for: 'school-search' }, 'Find a school'), search, list);
}

/** `/`: the sign-in form, or for a signed-in admin the list of schools. */
export function showSignIn(main: HTMLElement): void {
  const reason = new URLSearchParams(location.search).get('reason');
  const message = el('p', { class: 'form-message', id: 'sign-in-message', role: 'alert' }, reason === 'expired' ? 'Your session has expired or the token was revoked. Sign in again.' : '');
  const input = el('input', { type: 'password', id: 'token', name: 'token', autocomplete: 'off', required: true, spellcheck: 'false', 'aria-describedby': 'token-help sign-in-message' });
  const button = el('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = el(
    'form',
    { class: 'panel sign-in', 'aria-labelledby': 'sign-in-title' },
    el('h1', { id: 'sign-in-title' }, 'Sign in'),
    el('label', { for: 'token' }, 'Staff token'),
    input,
    el('p', { id: 'token-help', class: 'muted' }, 'The school office token (st_…) you were given. It is kept only in this browser tab.'),
    button,
    message,
  );
  const go = async (token: string, fromForm: boolean): Promise<void> => {
    button.disabled = true;
    message.textContent = fromForm ? 'Checking the token…' : '';
    try {
      const who = await signInWith(token);
      tokenStore.set(token);
      if (who.role === 'school') {
        location.assign(nextPath() ?? `/schools/${encodeURIComponent(who.school.schoolId)}`);
        return;
      }
      const next = nextPath();
      if (next && fromForm) {
        location.assign(next);
        return;
      }
      main.replaceChildren(schoolPicker(who.schools));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (!fromForm) tokenStore.clear();
      message.textContent =
        err.status === 401 ? (fromForm ? 'This token is not valid (unknown, revoked or mistyped).' : 'Your session has expired. Sign in again.') : err.unavailable ? 'The dashboard service is unavailable. Try again in a moment.' : err.message;
      if (!fromForm) main.replaceChildren(form);
    } finally {
      button.disabled = false;
    }
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void go(input.value.trim(), true);
  });
  const stored = tokenStore.get();
  if (stored) {
    void go(stored, false);
    return;
  }
  main.replaceChildren(form);
  input.focus();
}
