import { safeParseJson } from '../providers/shared/json.js';
import { coversPath, formatPath, leavesOf, parsePath } from './json-paths.js';
import { globMatches } from './match.js';
import type { PolicyConfig, ToolDeclaration } from './schema.js';

/** The first declaration whose tool glob matches, if any. */
export function declarationFor(tool: string, policy: PolicyConfig): ToolDeclaration | undefined {
  return policy.toolDeclarations.find((declaration) => globMatches(declaration.tool, tool));
}

/** What an argument is to its tool: declared, or `undeclared` (read by its shape). */
export type ArgumentRole = 'target' | 'content' | 'id' | 'secret' | 'undeclared';

export interface ArgumentLeaf {
  /** `$.to[0]` */
  path: string;
  value: string;
  role: ArgumentRole;
  /** A JSON number (not a string) in the arguments. */
  numeric: boolean;
}

/**
 * Every string and number in a call's arguments with its role; null when the arguments are not
 * JSON. Where two declared paths cover a value, the longer (more specific) one decides.
 */
export function argumentLeaves(argumentsJson: string, declaration: ToolDeclaration | undefined): ArgumentLeaf[] | null {
  const parsed = safeParseJson(argumentsJson || '{}');
  if (!parsed.success) return null;
  const declared = declaration ? declaredPaths(declaration) : [];
  return leavesOf(parsed.value).map((leaf) => {
    let role: ArgumentRole = 'undeclared';
    let depth = -1;
    for (const entry of declared) {
      if (entry.segments.length > depth && coversPath(entry.segments, leaf.segments)) {
        role = entry.role;
        depth = entry.segments.length;
      }
    }
    const numeric = typeof valueKind(parsed.value, leaf.segments) === 'number';
    return { path: formatPath(leaf.segments), value: leaf.value, role, numeric };
  });
}

function declaredPaths(declaration: ToolDeclaration): { role: ArgumentRole; segments: string[] }[] {
  const roles: [ArgumentRole, string[]][] = [['target', declaration.targets], ['content', declaration.content], ['id', declaration.ids], ['secret', declaration.secrets]];
  return roles.flatMap(([role, paths]) => paths.map((path) => ({ role, segments: parsePath(path) })));
}

function valueKind(root: unknown, segments: readonly string[]): string {
  let node = root;
  for (const part of segments) node = (node as Record<string, unknown>)[part];
  return typeof node;
}
