import { RevokeSessionMutation, SecurityEventsQuery, SessionsQuery } from '@examples/client/operations';
import type { Client, CombinedError } from '@urql/core';
import { eventLabel } from './event-labels.js';

/**
 * The "Security" page: where the account is signed in (each session with "Sign out this device")
 * and what happened to it lately (the security log). Every value from the server goes in through
 * textContent, never innerHTML: a User-Agent is whatever the client that signed in chose to send.
 */

const DATE = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const when = (iso: string) => DATE.format(new Date(iso));

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

export function createSecurityPage(deps: {
  client: Client;
  root: HTMLElement;
  showError(error: CombinedError | string | null): void;
}) {
  const { client, root, showError } = deps;
  const sessionList = root.querySelector<HTMLUListElement>('#sessions')!;
  const eventList = root.querySelector<HTMLTableSectionElement>('#security-events tbody')!;

  async function loadSessions(): Promise<void> {
    const result = await client.query(SessionsQuery, {}, { requestPolicy: 'network-only' }).toPromise();
    if (!result.data) return showError(result.error ?? 'Could not load your sessions');
    sessionList.replaceChildren(
      ...result.data.sessions.map((s) => {
        const item = el('li', undefined, 'session');
        item.dataset.sessionId = s.id;
        item.append(el('strong', s.userAgent ?? 'Unknown device', 'device'));
        if (s.current) item.append(el('span', 'This device', 'badge'));
        item.append(
          el(
            'span',
            `${s.address ?? 'unknown address'} · signed in ${when(s.createdAt)} · last used ${when(s.lastUsedAt)}`,
            'meta',
          ),
        );
        if (!s.current) {
          const button = el('button', 'Sign out this device');
          button.type = 'button';
          button.addEventListener('click', () => void revoke(s.id));
          item.append(button);
        }
        return item;
      }),
    );
  }

  async function loadEvents(): Promise<void> {
    const result = await client
      .query(SecurityEventsQuery, { first: 20 }, { requestPolicy: 'network-only' })
      .toPromise();
    if (!result.data) return showError(result.error ?? 'Could not load your security log');
    eventList.replaceChildren(
      ...result.data.securityEvents.nodes.map((e) => {
        const row = el('tr');
        row.dataset.type = e.type;
        row.append(
          el('td', when(e.at)),
          el('td', eventLabel(e.type)),
          el('td', e.address ?? ''),
          el('td', e.userAgent ?? ''),
        );
        return row;
      }),
    );
  }

  async function revoke(id: string): Promise<void> {
    const result = await client.mutation(RevokeSessionMutation, { id }).toPromise();
    if (!result.data) return showError(result.error ?? 'Could not sign that device out');
    showError(null);
    await show();
  }

  async function show(): Promise<void> {
    await Promise.all([loadSessions(), loadEvents()]);
  }

  return {
    show,
    clear() {
      sessionList.replaceChildren();
      eventList.replaceChildren();
    },
  };
}
