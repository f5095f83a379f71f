import { PasskeysQuery, RenamePasskeyMutation } from '@examples/client/operations';
import { addPasskey, removePasskey } from '@examples/client/passkeys';
import type { Mutate } from '@examples/client/second-factor';
import { SignInError } from '@examples/client/second-factor';
import type { AuthSession, GraphQLErrorLike } from '@examples/client/session';
import {
  browserSupportsWebAuthn,
  type PublicKeyCredentialCreationOptionsJSON,
  startRegistration,
  WebAuthnError,
} from '@simplewebauthn/browser';
import type { Client } from '@urql/core';

/**
 * The passkey parts of the page: the list on the Security page with "Remove", "Add a passkey", and
 * the messages both they and "Sign in with a passkey" (main.ts) show. The ceremonies themselves
 * are @simplewebauthn/browser's startRegistration / startAuthentication, handed to the shared
 * flows of @examples/client/passkeys.
 */

const DATE = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const when = (iso: string) => DATE.format(new Date(iso));

/** What the page says for a refusal by the API, from its extensions.code. */
export function serverMessage(
  errors: ReadonlyArray<GraphQLErrorLike>,
  doing: 'sign-in' | 'register' | 'remove' | 'rename',
) {
  const e = errors[0];
  switch (e?.extensions?.code) {
    case 'UNAUTHENTICATED':
      return doing === 'sign-in'
        ? 'That passkey was not accepted. Try again, or log in with your password.'
        : doing === 'register'
          ? 'The new passkey was not accepted, so nothing was saved. Try adding it again.'
          : 'Your sign-in has ended: log in again.';
    case 'RATE_LIMITED':
      return 'Too many sign-in attempts: wait a few minutes and try again.';
    case 'NOT_FOUND':
      return 'That passkey is no longer on your account.';
    default:
      // BAD_USER_INPUT (e.g. a name that is too long), FORBIDDEN (e.g. the last way to sign in),
      // and anything else: the API's own message says what is wrong.
      return e?.message ?? 'Something went wrong; nothing was changed.';
  }
}

/** What the page says when the browser's half of the ceremony failed. */
function authenticatorMessage(error: unknown, doing: 'sign-in' | 'register'): string {
  const code = error instanceof WebAuthnError ? error.code : null;
  const name = error instanceof WebAuthnError ? (error.cause as Error | undefined)?.name : (error as Error)?.name;
  if (code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED')
    return 'This device already holds a passkey for your account.';
  if (code === 'ERROR_INVALID_DOMAIN' || code === 'ERROR_INVALID_RP_ID' || name === 'SecurityError')
    return 'Passkeys do not work on this address: open the page on the domain the API names as its WEBAUTHN_RP_ID (over HTTPS, or on localhost).';
  if (code === 'ERROR_CEREMONY_ABORTED' || name === 'NotAllowedError' || name === 'AbortError')
    return doing === 'sign-in'
      ? 'No passkey was used (the prompt was closed, timed out, or this device has none for this site).'
      : 'No passkey was created (the prompt was closed or timed out).';
  return (error as Error)?.message || 'The passkey prompt failed.';
}

/** One message for any failure of a passkey sign-in (see signInWithPasskey). */
export function passkeySignInMessage(error: unknown): string {
  return error instanceof SignInError ? serverMessage(error.errors, 'sign-in') : authenticatorMessage(error, 'sign-in');
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

export function createPasskeysPanel(deps: {
  client: Client;
  mutate: Mutate;
  session: AuthSession;
  root: HTMLElement;
  /** The step-up prompt (password, and code once the server says so). */
  ask: (needsCode: boolean) => Promise<{ password: string; code?: string }>;
  showError(error: string | null): void;
  showNotice(message: string | null): void;
  /** Called after a change, e.g. to reload the security log. */
  changed(): void;
}) {
  const { client, mutate, session, root, ask, showError, showNotice } = deps;
  const list = root.querySelector<HTMLUListElement>('#passkeys')!;
  const empty = root.querySelector<HTMLElement>('#passkeys-empty')!;
  const form = root.querySelector<HTMLFormElement>('#passkey-add-form')!;
  const unsupported = root.querySelector<HTMLElement>('#passkeys-unsupported')!;

  const supported = browserSupportsWebAuthn();
  form.hidden = !supported;
  unsupported.hidden = supported;

  async function load(): Promise<void> {
    const result = await client.query(PasskeysQuery, {}, { requestPolicy: 'network-only' }).toPromise();
    if (!result.data) return showError(result.error?.graphQLErrors[0]?.message ?? 'Could not load your passkeys');
    const passkeys = result.data.passkeys;
    empty.hidden = passkeys.length > 0;
    list.replaceChildren(
      ...passkeys.map((p) => {
        const item = el('li', undefined, 'passkey');
        item.dataset.passkeyId = p.id;
        item.append(el('strong', p.name ?? 'Unnamed passkey', 'name'));
        item.append(
          el(
            'span',
            [
              // Synced: in a password manager or platform keychain, on every device of that account.
              p.synced ? 'synced' : 'on one device only',
              `added ${when(p.createdAt)}`,
              p.lastUsedAt ? `last used ${when(p.lastUsedAt)}` : 'not used yet',
            ].join(' · '),
            'meta',
          ),
        );
        const actions = el('span', undefined, 'actions');
        const rename = el('button', 'Rename');
        rename.type = 'button';
        rename.addEventListener('click', () => renameForm(item, p.id, p.name));
        const button = el('button', 'Remove');
        button.type = 'button';
        button.addEventListener('click', () => void remove(p.id, p.name));
        actions.append(rename, button);
        item.append(actions);
        return item;
      }),
    );
  }

  /** "Rename": a small form in place of the item's buttons; an empty name clears it. */
  function renameForm(item: HTMLElement, id: string, current: string | null): void {
    if (item.querySelector('form')) return;
    const form = el('form', undefined, 'rename');
    const label = el('label', 'New name');
    const input = el('input');
    input.name = 'name';
    input.maxLength = 100;
    input.value = current ?? '';
    label.append(input);
    const save = el('button', 'Save');
    save.type = 'submit';
    form.append(label, save);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const result = await mutate(RenamePasskeyMutation, { id, name: input.value.trim() || null });
      if (!result.data) return showError(serverMessage(result.errors, 'rename'));
      showError(null);
      await load();
    });
    item.append(form);
    input.focus();
  }

  async function remove(id: string, name: string | null): Promise<void> {
    const label = name ? `the passkey "${name}"` : 'this passkey';
    if (!window.confirm(`Remove ${label}? It will no longer sign you in.`)) return;
    let result: Awaited<ReturnType<typeof removePasskey>>;
    try {
      result = await removePasskey(mutate, session, id, ask);
    } catch (e) {
      // The step-up sign-in was refused (wrong password or code).
      return showError(e instanceof SignInError ? e.message : 'Could not remove the passkey');
    }
    if (!result.data?.removePasskey) return showError(serverMessage(result.errors, 'remove'));
    showError(null);
    showNotice(`Removed ${label}.`);
    await load();
    deps.changed();
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const name = String(new FormData(form).get('name') ?? '');
    let result: Awaited<ReturnType<typeof addPasskey>>;
    try {
      result = await addPasskey(mutate, session, {
        name,
        ask,
        register: (optionsJSON: PublicKeyCredentialCreationOptionsJSON) => startRegistration({ optionsJSON }),
      });
    } catch (e) {
      return showError(e instanceof SignInError ? e.message : authenticatorMessage(e, 'register'));
    }
    const added = result.data?.finishPasskeyRegistration;
    if (!added) return showError(serverMessage(result.errors, 'register'));
    showError(null);
    form.reset();
    showNotice(`Passkey ${added.name ? `"${added.name}" ` : ''}added: you can sign in with it now.`);
    await load();
    deps.changed();
  });

  return {
    show: load,
    clear() {
      list.replaceChildren();
      empty.hidden = true;
    },
  };
}
