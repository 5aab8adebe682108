import type { z } from 'zod';
import { closestName } from './closest-name.js';

/**
 * One line per problem, `  - path.to.field: what was expected`. An unknown field is named whole
 * (`server.hots`, not `server`), with the known field it most likely meant.
 */
export function formatIssues(schema: z.ZodType, issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) => {
    if (issue.code !== 'unrecognized_keys') return [`  - ${pathText(issue.path)}: ${issue.message}`];
    const known = fieldsAt(schema, issue.path);
    return issue.keys.map((key) => `  - ${pathText([...issue.path, key])}: ${unknownField(key, known)}`);
  });
}

function pathText(path: readonly PropertyKey[]): string {
  return path.length > 0 ? path.map(String).join('.') : '(root)';
}

function unknownField(key: string, known: string[]): string {
  const guess = closestName(key, known);
  if (guess !== undefined) return `unknown field; did you mean "${guess}"?`;
  return known.length > 0 ? `unknown field; the known ones are ${known.join(', ')}` : 'unknown field';
}

/** The parts of a zod definition that lead from a schema to the ones inside it. */
interface Def {
  type: string;
  innerType?: z.core.$ZodType;
  in?: z.core.$ZodType;
  getter?: () => z.core.$ZodType;
  shape?: Record<string, z.core.$ZodType>;
  valueType?: z.core.$ZodType;
  element?: z.core.$ZodType;
  options?: readonly z.core.$ZodType[];
  left?: z.core.$ZodType;
  right?: z.core.$ZodType;
}

/** The field names the object schema at `path` accepts (none when the path leads elsewhere). */
function fieldsAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  const def = schema._zod.def as unknown as Def;
  const inner = def.innerType ?? def.in ?? def.getter?.();
  if (inner) return fieldsAt(inner, path);
  if (def.options || def.left) {
    for (const option of def.options ?? [def.left!, def.right!]) {
      const fields = fieldsAt(option, path);
      if (fields.length > 0) return fields;
    }
    return [];
  }
  if (path.length === 0) return def.shape ? Object.keys(def.shape) : [];
  const [head, ...rest] = path;
  const next = def.shape ? def.shape[String(head)] : (def.valueType ?? def.element);
  return next ? fieldsAt(next, rest) : [];
}
