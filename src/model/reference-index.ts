/**
 * The keys of a model map's objects under each table name they refer to (the table an index is on, the table a foreign
 * key references, the relations a view reads, a partition's parent), so that what refers to one table is found without
 * a walk over the whole schema: a walk for every statement made replaying a history of thousands of tables quadratic.
 *
 * It holds a superset. A key stays listed after its object is gone or refers to another table, so every caller checks
 * each object it finds; it never lacks one, as every change that makes an object refer to a name adds the key.
 * Names are filed by their last dot-separated part: a reference resolves to `schema.name`, and two references that
 * resolve to one key end alike even when a schema or table name holds a dot.
 */
export class ReferenceIndex {
  private readonly keysByName = new Map<string, Set<string>>();

  add(name: string, key: string): void {
    const filed = lastPart(name);
    let keys = this.keysByName.get(filed);
    if (!keys) this.keysByName.set(filed, (keys = new Set()));
    keys.add(key);
  }

  keys(name: string): ReadonlySet<string> {
    return this.keysByName.get(lastPart(name)) ?? NONE;
  }

  clear(): void {
    this.keysByName.clear();
  }
}

const NONE: ReadonlySet<string> = new Set();

function lastPart(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? name : name.slice(dot + 1);
}

/**
 * The order in which keys entered a Map, which is the order the Map iterates them in (a key deleted and set again goes
 * last), so that what a ReferenceIndex finds comes in the order a walk over the map would find it.
 */
export class InsertionOrder {
  private readonly positions = new Map<string, number>();
  private next = 0;

  /** Called before `map.set(key, ...)`. */
  entering(map: ReadonlyMap<string, unknown>, key: string): void {
    if (!map.has(key)) this.positions.set(key, this.next++);
  }

  /** After the map was filled by other means. */
  reset(map: ReadonlyMap<string, unknown>): void {
    this.positions.clear();
    this.next = 0;
    for (const key of map.keys()) this.positions.set(key, this.next++);
  }

  /** The keys the map holds, in its order. */
  present(map: ReadonlyMap<string, unknown>, keys: ReadonlySet<string>): string[] {
    const held = [...keys].filter((key) => map.has(key));
    if (held.length > 1) held.sort((a, b) => this.positions.get(a)! - this.positions.get(b)!);
    return held;
  }
}
