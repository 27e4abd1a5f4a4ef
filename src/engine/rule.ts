import type { NodeKind, NodeOf } from '../parse/node-types.js';
import type { ByteRange } from '../source/source-file.js';
import type { Statement } from '../parse/parse.js';
import type { RuleContext } from './context.js';

export type Severity = 'error' | 'warning' | 'info';
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

/** `recommended`: lock, rewrite and compatibility hazards, on by default. `strict`: every rule. `recommended-style`: conventions. */
export type Preset = 'recommended' | 'strict' | 'recommended-style';
export const PRESETS: readonly Preset[] = ['recommended', 'strict', 'recommended-style'];

export interface RuleDocs {
  /** One line: what the rule flags. */
  summary: string;
  /** The lock, rewrite or outage, concretely. */
  why: string;
  /** The safe sequence. */
  instead: string;
  bad: string;
  good: string;
  /** PostgreSQL documentation pages. */
  references: string[];
  /** Which PostgreSQL versions the rule concerns and how its behaviour changes between them. */
  pgVersions: string;
  /** What it keeps from happening, for the rules table: "ACCESS EXCLUSIVE lock during a table rewrite", "errors in the running release". */
  prevents: string;
}

export interface RuleOptionsMeta<Options> {
  /** JSON Schema `properties` of the options object, each with a description; it goes into lockwise.json's schema. */
  properties: Record<string, Record<string, unknown>>;
  defaults: Options;
}

export interface RuleMeta<MessageId extends string, Options = Record<string, never>> {
  severity: Severity;
  presets: Preset[];
  /** messageId → template with `{{placeholder}}`s. */
  messages: Record<MessageId, string>;
  docs: RuleDocs;
  options?: RuleOptionsMeta<Options>;
  /**
   * The rule judges also a statement that PostgreSQL refuses and a BEGIN ... EXCEPTION block of its DO block catches (see
   * tableOfStatementRolledBack): such a statement only waits for the lock on its table, which other rules have nothing to say of.
   */
  judgesStatementsRolledBack?: boolean;
}

/** What a visitor receives besides the node: the chain of nodes it sits in, outermost first. */
export interface NodePath {
  ancestors: readonly NodeFrame[];
}

export interface NodeFrame {
  kind: NodeKind;
  node: unknown;
}

export type NodeVisitors = {
  [K in NodeKind]?: (node: NodeOf<K>, path: NodePath) => void;
};

export interface StatementHooks {
  /** Before the statement's nodes are visited. */
  onStatement?: (statement: Statement) => void;
  /** After the whole file, for rules that judge a file as a whole. */
  onFileEnd?: () => void;
}

export type Visitors = NodeVisitors & StatementHooks;

export interface Report<MessageId extends string> {
  messageId: MessageId;
  data?: Record<string, string | number>;
  /** Byte offset of the node to point at (its `location`); the token there is underlined. */
  at?: number;
  /** Byte offset of a later node: the underline then runs from `at` to the end of the token here. */
  through?: number;
  /** An explicit range; without `at` or `range` the whole statement is reported. */
  range?: ByteRange;
  /** The statement the finding is about, when not the current one (for rules that judge at the end of a file). */
  statement?: Statement;
  /** A help message (a messageId) that says what to write instead. */
  helpId?: MessageId;
}

export interface RuleDefinition<MessageId extends string = string, Options = Record<string, never>> {
  id: string;
  meta: RuleMeta<MessageId, Options>;
  /** Called once per file, with the configured options over the defaults; the visitors keep per-file state in their closure. */
  create(context: RuleContext<MessageId>, options: Options): Visitors;
}

/** A rule of any message and option types, as the registry holds them; options are checked against the rule's schema instead. */
export type AnyRule = RuleDefinition<string, any>;

export function defineRule<MessageId extends string, Options = Record<string, never>>(
  rule: RuleDefinition<MessageId, Options>,
): RuleDefinition<MessageId, Options> {
  return rule;
}
