import { tokenStore } from './api.ts';
import { el } from './dom.ts';
import { showSchoolPage } from './school-page.ts';
import { showSignIn } from './sign-in.ts';

/** The page's two views: `/` (sign-in, or an admin's choice of school) and `/schools/:id`. */
function route(): void {
  const main = document.getElementById('main');
  const nav = document.getElementById('nav');
  if (!main || !nav) return;
  nav.replaceChildren();
  if (tokenStore.get()) {
    const signOutButton = el('button', { type: 'button', class: 'link' }, 'Sign out');
    signOutButton.addEventListener('click', () => {
      tokenStore.clear();
      location.assign('/');
    });
    nav.append(signOutButton);
  }
  const school = /^\/schools\/([A-Za-z0-9_-]{1,64})\/?$/.exec(location.pathname);
  if (school?.[1]) showSchoolPage(main, nav, school[1]);
  else showSignIn(main);
}

route();
