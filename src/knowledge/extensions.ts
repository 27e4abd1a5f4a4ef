// What an extension makes, which DROP EXTENSION ... CASCADE takes with it whatever uses.
// The extensions PostgreSQL ships are read from a real cluster by scripts/generate-extension-members.mjs.
import membersJson from './extension-members.json' with { type: 'json' };

export interface ExtensionMembers {
  types: readonly string[];
  /** After their access method: `gin:gin_trgm_ops`. */
  operatorClasses: readonly string[];
  /** Lower-case names, without arguments. */
  functions: readonly string[];
}

interface MembersCatalog {
  postgresVersion: string;
  extensions: Record<string, ExtensionMembers & { version: string }>;
}

const catalog = membersJson as unknown as MembersCatalog;

/**
 * Widely used extensions PostgreSQL does not ship, by the types their documentation lists: a column of one of
 * them is what DROP EXTENSION ... CASCADE destroys first. Their functions and operator classes are left out.
 */
const DOCUMENTED_EXTENSIONS: Record<string, ExtensionMembers> = {
  // https://postgis.net/docs/reference.html#PostGIS_Types
  postgis: { types: ['geometry', 'geography', 'box2d', 'box3d'], operatorClasses: [], functions: [] },
  // https://github.com/pgvector/pgvector#reference
  vector: { types: ['vector', 'halfvec', 'sparsevec'], operatorClasses: [], functions: [] },
};

const membersByName = new Map<string, ExtensionMembers>([...Object.entries(catalog.extensions), ...Object.entries(DOCUMENTED_EXTENSIONS)]);

/** The types, operator classes and functions an extension makes, when lockwise knows the extension. */
export function extensionMembers(name: string): ExtensionMembers | undefined {
  return membersByName.get(name);
}
