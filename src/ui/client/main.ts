// The console's entry point: sign-in, the layout (navigation, who is signed in) and a hash router
// (#/quarantine/12 ...) that renders one page at a time into <main>. Pages get the signed-in principal
// and hide write controls from principals without the write scope; the server enforces it anyway.
import { api, ApiError, session, type WhoAmI } from './api.js';
import { h } from './dom.js';
import { beginOidcSignIn, completeOidcSignIn, oidcSignOut, type ConsoleConfig } from './oidc.js';
import { contractsPage, dagVersionPage } from './pages/contracts.js';
import { lineagePage } from './pages/lineage.js';
import { overviewPage } from './pages/overview.js';
import { quarantineDetailPage } from './pages/quarantine-detail.js';
import { quarantineListPage } from './pages/quarantine-list.js';
import { schemasPage, subjectPage } from './pages/schemas.js';

export interface PageContext {
  me: WhoAmI;
  params: URLSearchParams;
  /** Re-renders the current page (after an action). */
  refresh(): void;
}

type Page = (ctx: PageContext, ...parts: string[]) => Promise<HTMLElement>;

const NAV: Array<[string, string]> = [
  ['#/overview', 'Overview'], ['#/quarantine', 'Quarantine'], ['#/contracts', 'Contracts'], ['#/schemas', 'Schemas'], ['#/lineage', 'Lineage'],
];

const ROUTES: Array<[RegExp, Page, string]> = [
  [/^\/overview$/, overviewPage, 'Overview'],
  [/^\/quarantine$/, quarantineListPage, 'Quarantine'],
  [/^\/quarantine\/(\d+)$/, quarantineDetailPage, 'Quarantine record'],
  [/^\/contracts$/, contractsPage, 'Contracts'],
  [/^\/dags\/([^/]+)\/([^/]+)$/, dagVersionPage, 'DAG version'],
  [/^\/schemas$/, schemasPage, 'Schemas'],
  [/^\/schemas\/(.+)$/, subjectPage, 'Subject'],
  [/^\/lineage$/, lineagePage, 'Lineage'],
];

const main = () => document.getElementById('main')!;

function parseHash(): { path: string; params: URLSearchParams } {
  const raw = location.hash.replace(/^#/, '') || '/overview';
  const [path, q] = raw.split('?', 2) as [string, string | undefined];
  return { path, params: new URLSearchParams(q ?? '') };
}

function renderHeader(me: WhoAmI | null) {
  const header = document.getElementById('header')!;
  const current = '#' + parseHash().path.split('/').slice(0, 2).join('/');
  header.replaceChildren(...[
    h('a', { href: '#/overview', class: 'brand' }, 'dagpact'),
    me ? h('nav', { 'aria-label': 'Main' }, h('ul', null, NAV.map(([href, label]) =>
      h('li', null, h('a', { href, ...(current === href ? { 'aria-current': 'page' } : {}) }, label))))) : null,
    me ? h('div', { class: 'who' },
      h('span', { id: 'whoami' }, `${me.name} · ${me.can_write ? 'can write' : 'read-only'}`),
      me.auth_enabled ? h('button', { type: 'button', class: 'link-button', onclick: signOut }, 'Sign out') : null) : null,
  ].filter((x): x is HTMLElement => x !== null));
}

function signInForm(message?: string): HTMLElement {
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true, 'aria-describedby': 'token-help' }) as HTMLInputElement;
  const oidc = config?.oidc;
  return h('section', { class: 'signin' },
    h('h1', null, 'Sign in'),
    message ? h('p', { class: 'error', role: 'alert' }, message) : null,
    oidc ? h('div', { class: 'signin-oidc' },
      h('button', {
        type: 'button', id: 'oidc-sign-in',
        onclick: () => { beginOidcSignIn(oidc).catch((e: unknown) => { main().replaceChildren(signInForm((e as Error).message)); main().setAttribute('data-ready', 'signin'); }); },
      }, 'Sign in with your organisation'),
      h('p', { class: 'small' }, `Through ${oidc.issuer}. The access token is kept for this browser tab only.`),
      h('h2', null, 'Or with an API token')) : null,
    h('p', { id: 'token-help' }, 'Paste an API token (created with POST /v1/tokens). It is kept for this browser tab only.'),
    h('form', {
      onsubmit: (e: Event) => { e.preventDefault(); session.signIn(input.value.trim()); void start(); },
    }, h('label', { for: 'token' }, 'API token'), input, h('button', { type: 'submit' }, 'Sign in')));
}

async function signOut() {
  // A provider's sign-in also ends at the provider (RP-initiated logout), which sends the browser back here.
  if (session.meta()?.kind === 'oidc' && config?.oidc && await oidcSignOut(config.oidc)) return;
  session.signOut();
  void start();
}

let me: WhoAmI | null = null;
let config: ConsoleConfig | null = null;

async function route() {
  if (!me) return;
  const { path, params } = parseHash();
  renderHeader(me);
  const target = main();
  for (const [pattern, page, title] of ROUTES) {
    const m = pattern.exec(path);
    if (!m) continue;
    document.title = `${title} · dagpact`;
    target.replaceChildren(h('p', { class: 'loading', role: 'status' }, 'Loading…'));
    try {
      const ctx: PageContext = { me, params, refresh: () => void route() };
      const el = await page(ctx, ...m.slice(1).map((p) => decodeURIComponent(p)));
      target.replaceChildren(el);
    } catch (error) {
      const e = error as Error;
      // The token expired (a provider's access token does) or was revoked while the tab was open.
      if (e instanceof ApiError && e.status === 401 && session.token()) {
        session.signOut();
        void start('Your sign-in has expired or was revoked; sign in again.');
        return;
      }
      target.replaceChildren(h('section', null, h('h1', null, title),
        h('p', { class: 'error', role: 'alert' }, e instanceof ApiError ? `${e.code}: ${e.message}` : e.message)));
    }
    const heading = target.querySelector('h1');
    if (heading) { heading.setAttribute('tabindex', '-1'); heading.focus({ preventScroll: true }); }
    target.setAttribute('data-ready', path);
    return;
  }
  target.replaceChildren(h('section', null, h('h1', null, 'Not found'), h('p', null, `No page at ${path}. `, h('a', { href: '#/overview' }, 'Go to the overview'))));
}

async function start(notice?: string) {
  me = null;
  try {
    config ??= await api.get<ConsoleConfig>('/v1/console/config');
    let problem = notice;
    const back = await completeOidcSignIn(config.oidc);
    if (typeof back === 'object') problem = back.error;
    if (session.expired()) { session.signOut(); problem = 'Your sign-in has expired; sign in again.'; }
    const who = await api.get<WhoAmI>('/v1/whoami');
    if (who.auth_enabled && !who.authenticated) {
      renderHeader(null);
      main().replaceChildren(signInForm(problem ?? (session.token()
        ? session.meta()?.kind === 'oidc' ? 'The API did not accept the token from the provider (audience, issuer or roles).' : 'That token is unknown or revoked.'
        : undefined)));
      session.signOut();
      main().setAttribute('data-ready', 'signin');
      return;
    }
    me = who;
    await route();
  } catch (error) {
    main().replaceChildren(h('p', { class: 'error', role: 'alert' }, `The server did not answer: ${(error as Error).message}`));
  }
}

window.addEventListener('hashchange', () => void route());
void start();
