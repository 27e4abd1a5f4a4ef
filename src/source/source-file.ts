/**
 * A migration file's text and the one converter between libpg-query's UTF-8
 * byte offsets and the 1-based line/column positions users see. Columns count
 * UTF-16 code units (what editors, LSP and SARIF's default `utf16CodeUnits`
 * expect); a tab is one column.
 */

export interface Position {
  /** 1-based line. */
  line: number;
  /** 1-based column in UTF-16 code units. */
  column: number;
}

export interface ByteRange {
  /** UTF-8 byte offset of the first byte. */
  start: number;
  /** UTF-8 byte offset just past the last byte. */
  end: number;
}

export interface SourceSpan {
  start: Position;
  end: Position;
}

const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export class SourceFile {
  readonly path: string;
  readonly text: string;
  readonly bytes: Buffer;
  /** Byte offset at which each line starts; a line break is LF, CRLF or a lone CR. */
  private readonly lineStarts: number[];

  constructor(path: string, text: string) {
    this.path = path;
    this.text = text;
    this.bytes = Buffer.from(text, 'utf8');
    this.lineStarts = computeLineStarts(this.bytes);
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  positionAt(byteOffset: number): Position {
    const offset = Math.max(0, Math.min(byteOffset, this.bytes.length));
    const lineIndex = this.lineIndexAt(offset);
    const lineStart = this.lineStarts[lineIndex]!;
    const column = this.bytes.toString('utf8', lineStart, offset).length + 1;
    return { line: lineIndex + 1, column };
  }

  spanOf(range: ByteRange): SourceSpan {
    return { start: this.positionAt(range.start), end: this.positionAt(range.end) };
  }

  /** Text of a byte range, decoded. */
  slice(range: ByteRange): string {
    return this.bytes.toString('utf8', range.start, range.end);
  }

  /** The text of a 1-based line without its line break. */
  lineText(line: number): string {
    const start = this.lineStarts[line - 1];
    if (start === undefined) return '';
    let end = this.lineStarts[line] ?? this.bytes.length;
    while (end > start && (this.bytes[end - 1] === LINE_FEED || this.bytes[end - 1] === CARRIAGE_RETURN)) end--;
    return this.bytes.toString('utf8', start, end);
  }

  private lineIndexAt(offset: number): number {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.lineStarts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return low;
  }
}

function computeLineStarts(bytes: Buffer): number[] {
  const starts = [0];
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === LINE_FEED) starts.push(i + 1);
    else if (byte === CARRIAGE_RETURN && bytes[i + 1] !== LINE_FEED) starts.push(i + 1);
  }
  return starts;
}
