import { hasHiddenTags, isInvisible } from '../auth/invisible-text.js';
import { badUserInput } from '../errors.js';

/** RFC 5321's limit on a whole address. */
export const EMAIL_MAX_LENGTH = 254;
export const NAME_MAX_LENGTH = 100;

// The WHATWG HTML "valid e-mail address": what browsers' <input type=email> accept, so a
// frontend's own check and ours agree.
const EMAIL =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/** Trimmed and lower-cased: one account per address, whatever case it is typed in. */
export function normalizeEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

export function validEmail(raw: string, field = 'email'): string {
  const email = normalizeEmail(raw);
  if (email.length === 0) throw badUserInput('Email is required', field);
  if (email.length > EMAIL_MAX_LENGTH || !EMAIL.test(email)) throw badUserInput('Email is not a valid address', field);
  return email;
}

// Control characters (C0, DEL, C1) would corrupt logs and UIs that show the name.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// Bidirectional embeddings, overrides and isolates (U+202A-202E, U+2066-2069) reorder the text
// around them: "Ada\u202Enimda" shows as "Adaadmin" (Trojan Source, CVE-2021-42574).
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/;
// Line and paragraph separators (U+2028, U+2029) start a new line wherever the text is shown.
const LINE_SEPARATOR = /[\u2028\u2029]/;
// Noncharacters are not text, and the interlinear annotation marks (U+FFF9-FFFB) hide the text
// between them in some renderers.
const NOT_TEXT = /[\p{Noncharacter_Code_Point}\ufff9-\ufffb]/u;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Text shown to people (a display name, a passkey's name): valid Unicode, NFC, trimmed, at most
 * `max` characters, with nothing that hides or reorders text or breaks a log line or a mail's
 * lines. `what` starts each message ("Name", "A passkey name"). Returns '' for empty input; the
 * caller decides whether that is allowed.
 */
export function validDisplayText(raw: string, field: string, what: string, max: number): string {
  // A lone surrogate is half a character: not text, and stored it breaks UTF-8 consumers.
  if (LONE_SURROGATE.test(raw)) throw badUserInput(`${what} must be valid Unicode text`, field);
  const text = raw.normalize('NFC').trim();
  if (text.length === 0) return text;
  if ([...text].length > max) throw badUserInput(`${what} must be at most ${max} characters`, field);
  if (CONTROL.test(text)) throw badUserInput(`${what} must not contain control characters`, field);
  if (LINE_SEPARATOR.test(text)) throw badUserInput(`${what} must not contain line or paragraph separators`, field);
  if (NOT_TEXT.test(text)) throw badUserInput(`${what} must not contain noncharacters or annotation marks`, field);
  if (BIDI_CONTROL.test(text)) throw badUserInput(`${what} must not contain bidirectional control characters`, field);
  if (hasHiddenTags(text)) throw badUserInput(`${what} must not contain invisible tag characters`, field);
  // What shows nothing (src/auth/invisible-text.ts): text of it would display as empty.
  if (isInvisible(text)) throw badUserInput(`${what} must contain a visible character`, field);
  return text;
}

export function validName(raw: string, field = 'name'): string {
  const name = validDisplayText(raw, field, 'Name', NAME_MAX_LENGTH);
  if (name.length === 0) throw badUserInput('Name is required', field);
  return name;
}
