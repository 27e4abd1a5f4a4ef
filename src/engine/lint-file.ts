import { relationCreatedBy } from './transaction-block.js';
import { RELATION_OBJECT_WORDS } from '../knowledge/expand-contract.js';
import type { Node } from '@pgsql/types';
import type { ParsedFile, Statement } from '../parse/parse.js';
import type { SkippedText } from '../parse/preprocess.js';
import { alterTableCommands, asKind, type NodeKind } from '../parse/node-types.js';
import { scanTokens } from '../parse/scan.js';
import { parseRetirementDirective, type RetirementDirective } from '../parse/directives.js';
import { runsAloneInBatchedMode, SessionState, sharedQueries, sharedQueryEnds, wrapsEachFile, type TransactionState } from '../model/session-state.js';
import { tablesOfUses, type LockedKind, type SchemaModel } from '../model/schema-model.js';
import { ATTACHED_OBJECT_KINDS, attachedObjectOf, relationFromNameList, relationFromNames, relationFromRangeVar, type RelationName } from '../model/names.js';
import {
  asRunByItsBlock,
  DROPPED_RELATION_KINDS,
  describeLockedObject,
  isDroppedKey,
  lockedRelationWord,
  locksTakenBy,
  namesIndex,
  trafficLock,
  trafficTable,
  type LockClaim,
} from '../knowledge/statement-locks.js';
import { lockImpact, lockPhrase } from '../knowledge/lock-modes.js';
import { BranchOutcomes } from '../knowledge/catalog-conditions.js';
import { callsOutsideCatalog } from '../knowledge/volatility.js';
import { commandsAltering, foreignKeyShape } from './alter-table-commands.js';
import type { ByteRange } from '../source/source-file.js';
import type { Environment, MigrationDates, RuleContext } from './context.js';
import type { Diagnostic } from './diagnostic.js';
import { compareDiagnostics } from './diagnostic.js';
import { formatMessage } from './messages.js';
import type { AnyRule, NodeFrame, Report, Severity, Visitors } from './rule.js';
import { INVALID_DIRECTIVE, SYNTAX_ERROR } from './builtin-checks.js';
import { applySuppressions } from './suppressions.js';
import { walkTree } from './walk.js';
import { TransactionLocks, type HeldLock } from './held-locks.js';
import { tableOfStatementRolledBack } from './rolled-back.js';
import { unmadeObjectsIn, type UnmadeObject } from './unmade-objects.js';

export interface EnabledRule {
  rule: AnyRule;
  severity: Severity;
  /** The rule's defaults with the configured options over them. */
  options: Record<string, unknown>;
}

/** What stays the same for every file of a run. */
export interface LintRunOptions {
  rules: readonly EnabledRule[];
  pgVersion: number;
  dates: MigrationDates;
  /** Every rule id that exists, enabled or not, for checking suppression comments. */
  knownRuleIds: ReadonlySet<string>;
  /** Severity of unused-suppression findings, or undefined when they are turned off. */
  unusedSuppressionSeverity: Severity | undefined;
}

/** The file being linted, and what the rules' contexts read of it. */
interface FileUnderLint {
  parsed: ParsedFile;
  environment: Environment;
  schema: SchemaModel;
  session: SessionState;
  tokenEnds: TokenEnds;
  current: Statement | undefined;
  /** The current statement's lock claims, once a rule or the engine asked for them. */
  currentLocks: LockClaim[] | undefined;
  heldLocks: TransactionLocks;
  diagnostics: Diagnostic[];
  /** Statements of DO-block branches whose IFs the model decided are taken: they run for sure. */
  sureToRun: Set<Statement>;
}

/**
 * Runs every enabled rule over one parsed file after another, walking each statement tree once,
 * and applies each file to the schema model as it goes: rules see the schema as it was before each
 * statement. Each rule's context is made once per run and reads the file being linted: a run lints
 * thousands of files with dozens of rules, and making them per file was a tenth of its time.
 */
export class FileLinter {
  private file: FileUnderLint | undefined;
  /** The locks the last file linted left held in the tool's transaction, each naming the migration that took it. */
  heldAfterLastFile: readonly HeldLock[] = [];
  /** The tables and columns the last file linted changes that no migration lockwise read made (for --verbose). */
  unmadeInLastFile: UnmadeObject[] = [];
  /** The statements of the last file linted that stand in a DO block's branch the model knows is not taken (for --verbose). */
  skippedInLastFile: SkippedText[] = [];
  private readonly contexts: RuleContext[];
  private readonly takenByCurrent: () => HeldLock[];
  private readonly shared: Omit<RuleContext, 'report'>;

  constructor(private readonly options: LintRunOptions) {
    const now = (): FileUnderLint => this.file!;
    const isExistingTable = (relation: RelationName): boolean => relation.schema !== 'pg_temp' && !now().schema.isNewTable(relation) && !dropGuardsCreation(now(), relation);
    const locksExistingTable = (claim: LockClaim): boolean => {
      if (!namesIndex(claim)) return isExistingTable(claim.relation);
      const table = now().schema.indexTable(claim.relation);
      return table === undefined || isExistingTable(table);
    };
    // Everything but `report` is the same for every rule; each rule's context inherits it.
    const shared: Omit<RuleContext, 'report'> = {
      get filePath() {
        return now().parsed.source.path;
      },
      get statements() {
        return now().parsed.statements;
      },
      get statement() {
        return now().current!;
      },
      get transaction() {
        const { current, session } = now();
        return current?.insideBlock === undefined ? session.current : blockTransaction(session.current, current.insideBlock);
      },
      pgVersion: options.pgVersion,
      get environment() {
        return now().environment;
      },
      get schema() {
        return now().schema;
      },
      dates: options.dates,
      setting: (name) => now().session.setting(name.toLowerCase()),
      locksOf: (statement) => {
        const file = now();
        const claims = (): LockClaim[] => locksOnKnownRelations(locksTakenBy(statement, options.pgVersion), file.schema, statement, file.parsed.statements);
        // Several rules and the engine ask for the current statement's claims; another statement's are worked out afresh.
        return statement === file.current ? (file.currentLocks ??= claims()).slice() : claims();
      },
      heldLocks: () => now().heldLocks.heldIn(shared.transaction),
      isExistingTable,
      locksExistingTable,
      describeLock: (claim, kindWhenTaken) => {
        const { schema } = now();
        const relation = lockedRelationWord(claim, (name) => lockedKind(name, schema) ?? kindWhenTaken ?? kindStatedBy(now().current, name, schema));
        return {
          lock: lockPhrase(claim.mode),
          object: describeLockedObject(claim, (index) => schema.indexTable(index)),
          relation,
          impact: lockImpact(trafficLock(claim), relation),
        };
      },
      lineOf: (offset) => now().parsed.source.positionAt(offset).line,
      lineOfLock: (lock) => {
        if (!lock.earlier) return String(now().parsed.source.positionAt(lock.statement.range.start).line);
        const runner = now().environment.runner?.pendingInOneTransaction ?? 'the migration tool';
        return `${lock.earlier.line} of ${lock.earlier.migration}, which ${runner} runs in the same transaction`;
      },
      sqlText: (range) => now().parsed.sqlText(range),
      mayBeSkipped: (statement) => statement.conditional === true && !now().sureToRun.has(statement),
    };
    this.shared = shared;
    /** The locks the current statement takes, as they stay held after it: read before the model applies it. */
    this.takenByCurrent = (): HeldLock[] => {
      const { current, schema } = now();
      const claims = shared.locksOf(current!);
      // A statement of a DO block's branch holds its locks only if the block runs it, unless the model knows it does.
      return (shared.mayBeSkipped(current!) ? asRunByItsBlock(current!, claims) : claims).map((claim) => ({
        claim,
        table: trafficTable(claim, (index) => schema.indexTable(index)),
        statement: current!,
        onExistingTable: locksExistingTable(claim),
        ...relationKindOf(claim, schema, current!),
      }));
    };
    this.contexts = options.rules.map(({ rule, severity }) => {
      const context = Object.create(shared) as RuleContext;
      context.report = (report: Report<string>) => now().diagnostics.push(diagnosticOf(now(), rule, severity, report));
      return context;
    });
  }

  lint(parsed: ParsedFile, environment: Environment, schema: SchemaModel): Diagnostic[] {
    const { source } = parsed;
    this.heldAfterLastFile = [];
    this.unmadeInLastFile = [];
    this.skippedInLastFile = [];
    if (parsed.syntaxError) {
      const range = syntaxErrorRange(parsed);
      // The model replays no statement of a file it cannot parse: later migrations are judged without its changes.
      const message = `${parsed.syntaxError.message}; nothing else in the file is checked, and later migrations are checked without its changes`;
      return [{ file: source.path, rule: SYNTAX_ERROR.id, severity: 'error', message, range, span: source.spanOf(range) }];
    }
    const { transactionMode } = environment;
    const session = new SessionState(
      wrapsEachFile(transactionMode) || (transactionMode === 'implicit' && parsed.statements.length > 1),
      transactionMode === 'batched' ? (statement) => runsAloneInBatchedMode(parsed.sqlText(statement.range)) : undefined,
      // PostgreSQL runs what follows a COMMIT in a multi-statement query as a new implicit transaction.
      transactionMode === 'implicit' || environment.runner?.autocommitsAfterCommit !== true,
      transactionMode === 'none' ? sharedQueries(parsed.statements, sharedQueryEnds(environment.runner)) : undefined,
    );
    const file: FileUnderLint = {
      parsed,
      environment,
      schema,
      session,
      tokenEnds: new TokenEnds(parsed),
      current: undefined,
      currentLocks: undefined,
      heldLocks: new TransactionLocks(),
      diagnostics: [],
      sureToRun: new Set(),
    };
    this.file = file;
    if (environment.carriedLocks) file.heldLocks.carryIn(environment.carriedLocks);
    try {
      const { rules } = this.options;
      const running = rules.map(({ rule, options }, index) => rule.create(this.contexts[index]!, options));
      const retirements = retirementDirectives(parsed, (range, message) => {
        file.diagnostics.push({ file: source.path, rule: INVALID_DIRECTIVE.id, severity: 'error', message, range, span: source.spanOf(range) });
      });
      const visitorsByKind = groupVisitors(running);
      let judgingRolledBack: { running: Visitors[]; byKind: ReturnType<typeof groupVisitors> } | undefined;
      schema.beginFile(parsed.statements);
      const branches = new BranchOutcomes(schema);
      const anew = environment.runner?.transactionsFrom ?? [];
      let nextAnew = 0;
      for (const statement of parsed.statements) {
        // Liquibase's next changeset: the tool commits, and the rules judge what follows by how that changeset runs.
        while (statement.insideBlock === undefined && nextAnew < anew.length && statement.range.start >= anew[nextAnew]!.at) {
          const { wrapped } = anew[nextAnew++]!;
          session.toolBeginsAnew(wrapped);
          file.environment = { ...environment, transactionMode: wrapped ? 'wrapped' : 'none' };
        }
        applyRetirementsBefore(statement.range.start, retirements, schema);
        // A branch the model knows the IF does not take runs nothing: it is neither judged nor replayed.
        const decision = statement.insideBlock === undefined ? 'may run' : branches.decide(statement);
        if (decision === 'not taken') {
          this.skippedInLastFile.push({ range: statement.range, kind: 'branch not taken', text: parsed.sqlText(statement.range) });
          continue;
        }
        if (decision === 'runs') file.sureToRun.add(statement);
        session.beforeStatement(statement);
        file.current = statement;
        file.currentLocks = undefined;
        const rolledBack = statement.caught ? tableOfStatementRolledBack(statement, schema) : undefined;
        let visitors = { running, byKind: visitorsByKind };
        if (rolledBack) {
          file.currentLocks = this.shared.locksOf(statement).filter((claim) => claim.target === 'table' && schema.sameTable(claim.relation, rolledBack));
          if (!judgingRolledBack) {
            const judging = running.filter((_, index) => rules[index]!.rule.meta.judgesStatementsRolledBack === true);
            judgingRolledBack = { running: judging, byKind: groupVisitors(judging) };
          }
          visitors = judgingRolledBack;
        }
        for (const ruleVisitors of visitors.running) ruleVisitors.onStatement?.(statement);
        if (visitors.byKind.size > 0) {
          walkTree(statement.node, (kind, payload, ancestors) => {
            const callbacks = visitors.byKind.get(kind);
            if (!callbacks) return;
            const path = { ancestors: ancestors.slice() as readonly NodeFrame[] };
            for (const callback of callbacks) callback(payload, path);
          });
        }
        // Rolled back, the statement holds no lock and changed nothing.
        if (!rolledBack) file.heldLocks.record(statement, this.shared.transaction, this.takenByCurrent, schema);
        session.apply(statement);
        if (!rolledBack) {
          if (!this.shared.mayBeSkipped(statement)) this.unmadeInLastFile.push(...unmadeObjectsIn(statement, schema));
          // A function neither PostgreSQL nor the migrations made (pg_partman's create_parent, Artifact Hub's) may lock anything.
          const unread = statement.kind === 'SelectStmt' || statement.kind === 'CallStmt' ? callsOutsideCatalog(statement.node).filter((name) => !schema.madeFunction(name)) : [];
          if (unread.length > 0) this.skippedInLastFile.push({ range: statement.range, kind: 'function lockwise cannot read', text: `${unread[0]}()`, function: unread[0] });
          schema.apply(statement);
        }
      }
      applyRetirementsBefore(Number.POSITIVE_INFINITY, retirements, schema);
      // Only a runner that runs the next migration in the same transaction hands the locks on.
      if (environment.runner?.pendingInOneTransaction !== undefined) {
        this.heldAfterLastFile = file.heldLocks
          .heldAtEnd(session.current)
          .map((lock) => (lock.earlier ? lock : { ...lock, earlier: { migration: source.path, line: source.positionAt(lock.statement.range.start).line } }));
      }
      for (const visitors of running) visitors.onFileEnd?.();
      return withPlaceholdersRestored(applySuppressions(parsed, file.diagnostics, this.options), parsed).sort(compareDiagnostics);
    } finally {
      this.file = undefined;
    }
  }
}

/**
 * Messages and help quote the SQL as parsed, where a template placeholder or psql variable stood as a
 * run of underscores of its length: they show the placeholder as written again, so that the help can be
 * pasted into the migration. A run that stood for different placeholders is left as it is.
 */
function withPlaceholdersRestored(diagnostics: Diagnostic[], parsed: ParsedFile): Diagnostic[] {
  const originals = new Map<number, string | undefined>();
  for (const skipped of parsed.skipped) {
    if (skipped.kind !== 'template placeholder' && skipped.kind !== 'psql variable') continue;
    const length = skipped.identifierLength ?? skipped.range.end - skipped.range.start;
    // Two spellings of one placeholder share a run: either one says what it stands for.
    const same = (other: string | undefined): boolean => other !== undefined && other.replace(/\s+/g, '') === skipped.text.replace(/\s+/g, '');
    if (!originals.has(length)) originals.set(length, skipped.text);
    else if (!same(originals.get(length))) originals.set(length, undefined);
  }
  if (originals.size === 0) return diagnostics;
  const restore = (text: string): string => text.replace(/(?<![\p{L}\p{N}_$])_+(?![\p{L}\p{N}_$])/gu, (run) => originals.get(Buffer.byteLength(run, 'utf8')) ?? run);
  return diagnostics.map((diagnostic) => ({
    ...diagnostic,
    message: restore(diagnostic.message),
    ...(diagnostic.help !== undefined ? { help: restore(diagnostic.help) } : {}),
  }));
}

/**
 * The claims with the relations the schema model can name: the DEFAULT partition a new partition makes
 * PostgreSQL check becomes a claim on that table, and is dropped when the model knows of none; the tables
 * that dropped or rebuilt foreign keys reference, and those whose foreign keys reference a retyped column,
 * become claims on those tables; a view CREATE OR REPLACE makes is locked only when the model knows it exists.
 */
function locksOnKnownRelations(claims: LockClaim[], schema: SchemaModel, statement: Statement, statements: readonly Statement[]): LockClaim[] {
  claims = withoutGoneRelations(claims, schema, statement);
  if (claims.some((claim) => claim.whenPartitionsHaveIt)) claims = withPartitionForeignKeysAttached(claims, schema, statement);
  if (!claims.some((claim) => SCHEMA_RESOLVED_TARGETS.has(claim.target) || claim.onlyIfExisting)) return claims;
  return claims.flatMap((claim): LockClaim[] => {
    if (claim.onlyIfExisting) return schema.table(claim.relation) ? [claim] : [];
    if (claim.target === 'referenced-tables') return referencedByDroppedKeys(claim, schema, statement, statements);
    if (claim.target === 'relations-view-reads') {
      return schema.relationsLockedWithView(claim.relation).map((relation) => ({ relation, target: 'table', mode: claim.mode }));
    }
    const tablesUsing = TABLES_USING_DROPPED_OBJECT[claim.target];
    if (tablesUsing) {
      const tables = tablesUsing(schema, claim.relation);
      return tables.filter((table, i) => tables.findIndex((other) => schema.sameTable(other, table)) === i).map((table) => ({ relation: asWritten(table, schema), target: 'table', mode: claim.mode }));
    }
    // The ROW SHARE and ROW EXCLUSIVE locks the foreign keys of other tables take on a DELETE or UPDATE block no query and no
    // rule judges them, while finding those tables walks every foreign key of the schema for each statement (a history of 20,000
    // migrations took four times as long): lint leaves them out, and lockwise trace reads them from the server's catalog.
    if (FOREIGN_KEY_ACTION_TARGETS.has(claim.target)) return [];
    if (claim.target === 'tables-referencing-dropped') {
      const referencing = claim.droppedKeys ? schema.tablesReferencing(claim.relation, claim.droppedKeys) : [];
      return referencing.map((relation) => ({ relation: asWritten(relation, schema), target: 'table', mode: claim.mode }));
    }
    if (claim.target !== 'default-partition') return [claim];
    const defaultPartition = schema.defaultPartition(claim.relation);
    return defaultPartition ? [{ ...claim, relation: asWritten(defaultPartition, schema), target: 'table' }] : [];
  });
}

/**
 * Claims naming a function, type, extension or sequence whose DROP ... CASCADE changes tables: the tables the model
 * knows to use it, through a trigger, a column, a default or an index.
 */
const TABLES_USING_DROPPED_OBJECT: Partial<Record<LockClaim['target'], (schema: SchemaModel, dropped: RelationName) => RelationName[]>> = {
  'users-of-function': (schema, dropped) => tablesOfUses(schema.usesOfFunction(dropped.name)),
  'tables-with-columns-of-type': (schema, dropped) => schema.usesOfType(dropped).columns.map(({ table }) => table),
  'users-of-extension': (schema, dropped) => schema.tablesUsingExtension(dropped.name),
  'tables-drawing-from-sequence': (schema, dropped) => schema.columnsUsingSequence(dropped).map(({ table }) => table),
  'relations-of-schema': (schema, dropped) => schema.relationsInSchema(dropped.name),
};

/** The claims on the tables whose foreign keys act on a DELETE or an UPDATE of the table named. */
const FOREIGN_KEY_ACTION_TARGETS: ReadonlySet<LockClaim['target']> = new Set(['tables-changed-on-delete', 'tables-checked-on-delete', 'tables-changed-on-update', 'tables-checked-on-update']);

const SCHEMA_RESOLVED_TARGETS: ReadonlySet<LockClaim['target']> = new Set([
  'default-partition',
  'referenced-tables',
  'tables-referencing-dropped',
  'tables-changed-on-delete',
  'tables-checked-on-delete',
  'tables-changed-on-update',
  'tables-checked-on-update',
  'users-of-function',
  'tables-with-columns-of-type',
  'users-of-extension',
  'tables-drawing-from-sequence',
  'relations-view-reads',
  'relations-of-schema',
]);

/**
 * `DROP ... IF EXISTS`, `ALTER TABLE IF EXISTS` and `ALTER INDEX IF EXISTS` of a relation the migrations
 * dropped (or renamed away) do nothing, and take no lock, nor does DROP TRIGGER, POLICY or RULE IF EXISTS of
 * one that a table the migrations created does not have. One the migrations never saw may exist: its claims stay.
 */
function withoutGoneRelations(claims: LockClaim[], schema: SchemaModel, statement: Statement): LockClaim[] {
  const { node } = statement;
  const alter = asKind(node, 'AlterTableStmt');
  const rename = asKind(node, 'RenameStmt');
  const altered = alter?.missing_ok ? { relation: alter.relation, type: alter.objtype } : rename?.missing_ok ? { relation: rename.relation, type: rename.renameType } : undefined;
  if (altered?.relation) {
    return schema.isGone(relationFromRangeVar(altered.relation), altered.type === 'OBJECT_INDEX' ? 'index' : 'table') ? [] : claims;
  }
  const drop = asKind(node, 'DropStmt');
  if (!drop?.missing_ok) return claims;
  const attachedKind = ATTACHED_OBJECT_KINDS[drop.removeType ?? ''];
  if (attachedKind) {
    // `DROP TRIGGER IF EXISTS t ON table` of a table the migrations created, with no such trigger: nothing is dropped or locked.
    const attached = attachedObjectOf(drop.objects?.[0]);
    return attached && schema.hasAttached(attached.table, attachedKind, attached.name) === false ? [] : claims;
  }
  return claims.filter((claim) => !schema.isGone(claim.relation, namesIndex(claim) ? 'index' : 'table'));
}

/** Named as a migration would name it: without its schema when the bare name finds the same table. */
function asWritten(relation: RelationName, schema: SchemaModel): RelationName {
  const unqualified = { name: relation.name };
  return schema.sameTable(unqualified, relation) ? unqualified : relation;
}

/** The tables the foreign keys a statement drops reference, other than the table itself, each once. */
function referencedByDroppedKeys(claim: LockClaim, schema: SchemaModel, statement: Statement, statements: readonly Statement[]): LockClaim[] {
  const targets = schema.foreignKeys(claim.relation).filter((key) => isDroppedKey(claim.droppedKeys, key)).map((key) => key.references);
  const dropped = claim.droppedKeys && 'constraint' in claim.droppedKeys ? claim.droppedKeys.constraint : undefined;
  // DROP CONSTRAINT IF EXISTS of a constraint a table the migrations made does not have drops nothing (Sirimbo's 000068).
  const ifExists = alterTableCommands(statement.node).some((cmd) => cmd.subtype === 'AT_DropConstraint' && cmd.name === dropped && cmd.missing_ok);
  if (dropped !== undefined && !schema.constraint(claim.relation, dropped) && !(ifExists && schema.table(claim.relation))) {
    // A constraint no migration lockwise read made, dropped to be added again under its name as a foreign key, in this
    // statement or a later one (Prisma's way of changing ON DELETE): the key it drops referenced the same table, which its drop locks too.
    const again = commandsAltering(statements.slice(statement.index), claim.relation, schema).find((cmd) => cmd.subtype === 'AT_AddConstraint' && asKind(cmd.def, 'Constraint')?.conname === dropped);
    targets.push(foreignKeyShape(asKind(again?.def, 'Constraint'))?.references);
  }
  const referenced: RelationName[] = [];
  for (const table of targets) {
    if (!table || schema.sameTable(table, claim.relation) || referenced.some((other) => schema.sameTable(other, table))) continue;
    referenced.push(table);
  }
  return referenced.map((relation) => ({ relation: asWritten(relation, schema), target: 'referenced-table', mode: claim.mode }));
}

/** A foreign key added to a partitioned table some of whose partitions have it already: PostgreSQL attaches theirs, with the lock that takes. */
function withPartitionForeignKeysAttached(claims: LockClaim[], schema: SchemaModel, statement: Statement): LockClaim[] {
  const alter = asKind(statement.node, 'AlterTableStmt');
  const table = alter?.relation ? relationFromRangeVar(alter.relation) : undefined;
  if (!table || schema.table(table)?.kind !== 'partitioned table') return claims;
  const attached = (alter!.cmds ?? [])
    .map((command) => asKind(command, 'AlterTableCmd'))
    .filter((cmd) => cmd?.subtype === 'AT_AddConstraint')
    .map((cmd) => foreignKeyShape(asKind(cmd!.def, 'Constraint')))
    .filter((key) => key !== undefined && schema.partitionsWithForeignKey(table, key) !== 'none');
  return claims.map((claim) =>
    claim.whenPartitionsHaveIt && attached.some((key) => schema.sameTable(key!.references, claim.relation)) ? { ...claim, mode: claim.whenPartitionsHaveIt } : claim,
  );
}

function diagnosticOf(file: FileUnderLint, rule: AnyRule, severity: Severity, report: Report<string>): Diagnostic {
  const { parsed } = file;
  const statement = report.statement ?? file.current!;
  const range = reportRange(report, statement, file.tokenEnds);
  const data = { laterDeployNote: laterDeployNote(file.environment), ...report.data };
  return {
    file: parsed.source.path,
    rule: rule.id,
    severity,
    message: formatMessage(messageTemplate(rule, report.messageId), data),
    ...(report.helpId ? { help: formatMessage(messageTemplate(rule, report.helpId), data), helpId: report.helpId } : {}),
    messageId: report.messageId,
    range,
    span: parsed.source.spanOf(range),
    statementIndex: statement.index,
    statementStart: (statement.insideBlock === undefined ? statement : (parsed.statements[statement.insideBlock] ?? statement)).range.start,
  };
}

/**
 * For help that moves work to a later transaction or migration: where the tool runs every migration pending in a deploy in one
 * transaction, a later migration of the same deploy is no later transaction. Every report gets it as {{laterDeployNote}}.
 */
function laterDeployNote(environment: Environment): string {
  const runner = environment.runner?.pendingInOneTransaction;
  return runner ? ` (with ${runner}, a migration of a later deploy: it runs every migration pending in a deploy inside one transaction)` : '';
}

/** Replays the file into the schema model without running any rule: the history before the file under review. */
export function replayParsedFile(parsed: ParsedFile, schema: SchemaModel): void {
  if (parsed.syntaxError) return;
  const retirements = retirementDirectives(parsed, () => undefined);
  schema.beginFile(parsed.statements);
  const branches = new BranchOutcomes(schema);
  for (const statement of parsed.statements) {
    applyRetirementsBefore(statement.range.start, retirements, schema);
    if (statement.insideBlock !== undefined && branches.decide(statement) === 'not taken') continue;
    if (!statement.caught || !tableOfStatementRolledBack(statement, schema)) schema.apply(statement);
  }
  applyRetirementsBefore(Number.POSITIVE_INFINITY, retirements, schema);
}

function retirementDirectives(parsed: ParsedFile, invalid: (range: ByteRange, message: string) => void): RetirementDirective[] {
  const directives: RetirementDirective[] = [];
  for (const comment of parsed.comments) {
    const directive = parseRetirementDirective(comment);
    if (directive === undefined) {
      if (/^\s*lockwise:/.test(comment.body)) invalid(comment.range, 'unknown lockwise directive: write "lockwise:deprecate table.column" or "lockwise:deprecate-table table"');
      continue;
    }
    const expected = directive.kind === 'deprecate' ? [2, 3] : [1, 2];
    if (expected.includes(directive.names.length)) directives.push(directive);
    else invalid(directive.range, directive.kind === 'deprecate' ? 'lockwise:deprecate names a column: write "table.column" or "schema.table.column"' : 'lockwise:deprecate-table names a table: write "table" or "schema.table"');
  }
  return directives;
}

/** Applies, in file order, the directives that stand before `offset`, removing them from the list. */
function applyRetirementsBefore(offset: number, directives: RetirementDirective[], schema: SchemaModel): void {
  while (directives.length > 0 && directives[0]!.range.start < offset) {
    const directive = directives.shift()!;
    if (directive.kind === 'deprecate-table') schema.retire(relationFromNames(directive.names));
    else schema.retire(relationFromNames(directive.names.slice(0, -1)), directive.names.at(-1));
  }
}

/** A DO block runs inside a transaction: the one around it, or its own. */
function blockTransaction(around: TransactionState, blockIndex: number): TransactionState {
  return around.inTransaction ? around : { inTransaction: true, explicit: false, id: -1 - blockIndex };
}

type AnyVisitor = (payload: unknown, path: { ancestors: readonly NodeFrame[] }) => void;

/** Runs once per file for every rule: no entry arrays, one lookup per visitor. */
function groupVisitors(all: Visitors[]): Map<NodeKind, AnyVisitor[]> {
  const byKind = new Map<NodeKind, AnyVisitor[]>();
  for (const visitors of all) {
    for (const key in visitors) {
      const callback = (visitors as Record<string, unknown>)[key];
      if (key === 'onStatement' || key === 'onFileEnd' || typeof callback !== 'function') continue;
      const list = byKind.get(key as NodeKind);
      if (list) list.push(callback as AnyVisitor);
      else byKind.set(key as NodeKind, [callback as AnyVisitor]);
    }
  }
  return byKind;
}

function messageTemplate(rule: AnyRule, messageId: string): string {
  const template = (rule.meta.messages as Record<string, string>)[messageId];
  if (template === undefined) throw new Error(`rule ${rule.id} reported unknown messageId "${messageId}"`);
  return template;
}

function reportRange(report: Report<string>, statement: Statement, tokenEnds: TokenEnds): ByteRange {
  if (report.range) return report.range;
  if (report.at === undefined || report.at < statement.range.start || report.at > statement.range.end) {
    return statement.range;
  }
  const last = report.through ?? report.at;
  return { start: report.at, end: Math.min(tokenEnds.endOfTokenAt(statement, last), statement.range.end) };
}

/** Where the token starting at a node's location ends, from the scanner, computed per statement on demand. */
class TokenEnds {
  private readonly cache = new Map<number, Map<number, number>>();
  constructor(private readonly parsed: ParsedFile) {}

  endOfTokenAt(statement: Statement, offset: number): number {
    let ends = this.cache.get(statement.index);
    if (!ends) {
      ends = new Map();
      for (const token of scanTokens(this.parsed.sqlText(statement.range)) ?? []) {
        ends.set(statement.range.start + token.start, statement.range.start + token.end);
      }
      this.cache.set(statement.index, ends);
    }
    // Without tokens (a statement the scanner rejects) the report points at one character.
    return ends.get(offset) ?? offset + 1;
  }
}

/** The token PostgreSQL's error cursor points at, or one character when the scanner cannot tell. */
function syntaxErrorRange(parsed: ParsedFile): ByteRange {
  const start = parsed.syntaxError?.offset ?? 0;
  const { source } = parsed;
  const lineEnd = source.bytes.indexOf(0x0a, start);
  const rest = source.bytes.toString('utf8', start, lineEnd === -1 ? source.bytes.length : lineEnd);
  const first = scanTokens(rest)?.[0];
  const length = first && first.start === 0 ? first.end : Math.min(1, Buffer.byteLength(rest, 'utf8'));
  return { start, end: start + length };
}

/** What a claimed relation is when the lock is taken, for a lock on a table, view or composite type the model knows. */
function relationKindOf(claim: LockClaim, schema: SchemaModel, statement: Statement): { relationKind?: LockedKind } {
  const kind = claim.target === 'table' ? (lockedKind(claim.relation, schema) ?? kindStatedBy(statement, claim.relation, schema)) : undefined;
  return kind ? { relationKind: kind } : {};
}

/**
 * What the statement itself says a relation it names is, for one the model does not know (a view made before the history):
 * DROP VIEW, DROP MATERIALIZED VIEW, ALTER VIEW, ALTER MATERIALIZED VIEW.
 */
function kindStatedBy(statement: Statement | undefined, relation: RelationName, schema: SchemaModel): LockedKind | undefined {
  const drop = asKind(statement?.node, 'DropStmt');
  if (drop) {
    const kind = RELATION_OBJECT_WORDS[drop.removeType ?? ''];
    const names = (drop.objects ?? []).map(relationFromNameList).filter((name): name is RelationName => name !== undefined);
    return kind && names.some((name) => schema.sameTable(name, relation)) ? kind : undefined;
  }
  const alter = asKind(statement?.node, 'AlterTableStmt');
  const kind = RELATION_OBJECT_WORDS[alter?.objtype ?? ''];
  return kind && alter?.relation && schema.sameTable(relationFromRangeVar(alter.relation), relation) ? kind : undefined;
}

/** A composite type is a relation too: ALTER TYPE locks it as ALTER TABLE locks a table. */
function lockedKind(relation: RelationName, schema: SchemaModel): LockedKind | undefined {
  return schema.table(relation)?.kind ?? (schema.typeKind(relation) === 'composite type' ? 'composite type' : undefined);
}

/**
 * The current statement is DROP TABLE, VIEW or MATERIALIZED VIEW IF EXISTS of a name no migration made, which the file
 * creates later as a table or view (racesow's `DROP TABLE IF EXISTS nick_group; CREATE TEMP TABLE nick_group ...`,
 * graphile-migrate's guards): a guard that lets the migration run again, which drops nothing where it runs first, so its
 * lock falls on no table in use. The same test as require-deprecation-before-drop's, through relationCreatedBy.
 */
function dropGuardsCreation(file: FileUnderLint, relation: RelationName): boolean {
  const drop = asKind(file.current?.node, 'DropStmt');
  if (!drop?.missing_ok || !DROPPED_RELATION_KINDS.has(drop.removeType ?? '') || file.schema.table(relation)) return false;
  const sameName = (schema: string | undefined, name: string | undefined): boolean => name === relation.name && (schema === undefined || relation.schema === undefined || schema === relation.schema);
  const namesIt = (object: Node): boolean => {
    const named = relationFromNameList(object);
    return named !== undefined && sameName(named.schema, named.name);
  };
  if (!(drop.objects ?? []).some(namesIt)) return false;
  return file.parsed.statements.slice(file.current!.index + 1).some((later) => {
    const created = relationCreatedBy(later);
    return created !== undefined && sameName(created.schema, created.name);
  });
}
