/**
 * Writes proxy.schema.json (the config file's JSON Schema, for editor completion) from the zod
 * schema that validates configs. `npm run schema`; a test fails while the committed file differs.
 */
import { writeFileSync } from 'node:fs';
import { JSON_SCHEMA_FILE, configJsonSchemaText } from '../src/config/json-schema.js';

writeFileSync(JSON_SCHEMA_FILE, configJsonSchemaText());
console.log(`Wrote ${JSON_SCHEMA_FILE}.`);
