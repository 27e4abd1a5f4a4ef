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

/** As wordList, naming the first `named` words and counting the others: "a, b and 3 more". */
export function shortWordList(words: readonly string[], named: number): string {
  return wordList(words.length > named ? [...words.slice(0, named), `${words.length - named} more`] : words);
}
