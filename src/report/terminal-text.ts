/**
 * Text from a migration (SQL, identifiers inside messages) shown in a terminal:
 * control characters, including ESC, and bidirectional overrides are replaced by
 * visible one-column stand-ins, so a file can neither drive the terminal nor hide
 * code, and underlines stay aligned. Tabs are kept.
 */
export function neutralizeControlCharacters(text: string): string {
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (char) => {
    const code = char.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    if (code === 0x7f) return '\u2421';
    return '\ufffd';
  });
}
