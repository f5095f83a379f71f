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
 * that is shown the name (ASCII smuggling).
 */
export const TAG_CHARACTER = /[\u{e0000}-\u{e007f}]/u;

/**
 * Their one use in text people write: the flags of England, Scotland and Wales, a black flag
 * followed by the tags of a subdivision code (gbeng, gbsct, gbwls) and a cancel tag. These three
 * are the only tag sequences Unicode recommends for general interchange (RGI), and their content
 * is fixed, so they carry no hidden message. Any other tag sequence, or a tag outside one, is not
 * one of them.
 */
const SUBDIVISION_FLAG =
  /\u{1f3f4}(?:\u{e0067}\u{e0062}(?:\u{e0065}\u{e006e}\u{e0067}|\u{e0073}\u{e0063}\u{e0074}|\u{e0077}\u{e006c}\u{e0073}))\u{e007f}/gu;

/** True when `text` has a tag character that is not part of one of the three flags. */
export function hasHiddenTags(text: string): boolean {
  return TAG_CHARACTER.test(text) && TAG_CHARACTER.test(text.replace(SUBDIVISION_FLAG, ''));
}

/** True when `text` has no character that shows (empty text included). */
export function isInvisible(text: string): boolean {
  return text.replace(INVISIBLE, '').length === 0;
}
