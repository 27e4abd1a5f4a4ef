/** Fills `{{name}}` placeholders; a placeholder without data is a bug in the rule, so it fails loudly. */
export function formatMessage(template: string, data: Record<string, string | number> = {}): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, key: string) => {
    const value = data[key];
    if (value === undefined) throw new Error(`message placeholder {{${key}}} has no value`);
    return String(value);
  });
}

/** Words in a sentence: "a", "a and b", "a, b and c". */
export function wordList(words: readonly string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)!}`;
}
