/**
 * What shows nothing on screen, for the name and password rules (src/users/validation.ts,
 * src/auth/password.ts): spaces, format characters (zero-width space and joiners, the BOM, soft
 * hyphen...) and the other default-ignorable code points, and the characters fonts draw as blank
 * although Unicode gives them a visible category: the Braille pattern blank (U+2800, a symbol)
 * and the Hangul and Khmer fillers and the Mongolian vowel separator, listed by hand because the
 * Unicode version of the running Node decides which of them the properties cover.
 */
export const INVISIBLE =
  /[\p{White_Space}\p{Cf}\p{Default_Ignorable_Code_Point}\u2800\u3164\u115f\u1160\uffa0\u17b4\u17b5\u180e\u{e0000}-\u{e007f}]/gu;

/**
 * Unicode tag characters (U+E0000-E007F) spell ASCII that nothing displays: "Ada" followed by tags
 * reads as "Ada" to a person and as "Ada" plus a hidden message to a program or a language model
 * that is shown the name (ASCII smuggling). Their one use in text, the flags of England, Scotland
 * and Wales (a black flag followed by tags), is refused with them: names do without it.
 */
export const TAG_CHARACTER = /[\u{e0000}-\u{e007f}]/u;

/** True when `text` has no character that shows (empty text included). */
export function isInvisible(text: string): boolean {
  return text.replace(INVISIBLE, '').length === 0;
}
