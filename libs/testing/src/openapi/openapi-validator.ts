import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Qdrant's REST schema (1.19.0), kept outside the repository in the shared folder beside it (../shared/qdrant/). */
export const QDRANT_OPENAPI_PATH = join(__dirname, '../../../../../shared/qdrant/openapi.json');

export interface OpenApiOperation {
  operationId: string;
  method: string;
  /** The path template, e.g. /collections/{collection_name}/points/query. */
  path: string;
}

interface ParameterSpec {
  name: string;
  in: string;
  required?: boolean;
  schema?: unknown;
}
interface OperationSpec {
  operationId?: string;
  parameters?: ParameterSpec[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const BASE = 'https://openapi.invalid/schemas/';
const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'] as const;

/**
 * Checks HTTP requests and responses against an OpenAPI 3.0 document: the query parameters and JSON body of a
 * request against its operation, and a response body against the schema of its status (exact code, then 4XX-style
 * ranges, then default). Each check returns the problems found, empty when it conforms.
 */
export class OpenApiValidator {
  private readonly ajv: Ajv;
  private readonly ajvQuery: Ajv;
  private readonly routes: Array<{ op: OpenApiOperation; spec: OperationSpec; pattern: RegExp }> = [];
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(specPath: string = QDRANT_OPENAPI_PATH) {
    const doc = JSON.parse(readFileSync(specPath, 'utf8')) as { paths: Record<string, Record<string, OperationSpec>>; components?: { schemas?: Record<string, Json> } };
    // strict: false because OpenAPI adds keywords JSON Schema lacks (example, discriminator); the ones that matter
    // (nullable, formats) are translated or registered below.
    const options = { strict: false, allErrors: true, validateFormats: true } as const;
    this.ajv = new Ajv(options);
    this.ajvQuery = new Ajv({ ...options, coerceTypes: true });
    for (const ajv of [this.ajv, this.ajvQuery]) {
      addFormats(ajv);
      registerNumericFormats(ajv);
      for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) ajv.addSchema(toJsonSchema(schema) as object, `${BASE}${name}`);
    }
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of METHODS) {
        const spec = item[method];
        if (!spec) continue;
        const pattern = new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`);
        this.routes.push({ op: { operationId: spec.operationId ?? `${method} ${path}`, method: method.toUpperCase(), path }, spec, pattern });
      }
    }
    // Literal segments win over parameters: /collections/aliases is not a collection called "aliases".
    this.routes.sort((a, b) => (a.op.path.match(/\{/g)?.length ?? 0) - (b.op.path.match(/\{/g)?.length ?? 0));
  }

  /** The operation a method and URL (path and query) address, if the document has one. */
  operation(method: string, url: string): OpenApiOperation | undefined {
    return this.route(method, url)?.op;
  }

  validateRequest(method: string, url: string, body: string | undefined): string[] {
    const route = this.route(method, url);
    if (!route) return [`${method} ${pathOf(url)} is not an operation of the API`];
    const problems: string[] = [];
    const query = Object.fromEntries(new URL(url, 'http://x').searchParams);
    const params = (route.spec.parameters ?? []).filter((p) => p.in === 'query');
    const querySchema = {
      type: 'object',
      properties: Object.fromEntries(params.map((p) => [p.name, toJsonSchema((p.schema ?? {}) as Json)])),
      required: params.filter((p) => p.required).map((p) => p.name),
      additionalProperties: false,
    };
    problems.push(...this.check(this.ajvQuery, `${route.op.operationId}:query`, querySchema, query, 'query'));
    const content = route.spec.requestBody?.content;
    const jsonSchema = content?.['application/json']?.schema;
    if (body === undefined || body === '') {
      if (route.spec.requestBody?.required) problems.push('request body: required but missing');
    } else if (!content) {
      problems.push('request body: this operation takes none');
    } else if (jsonSchema) {
      const parsed = parseJson(body);
      if (parsed.error) problems.push(`request body: not JSON (${parsed.error})`);
      else problems.push(...this.check(this.ajv, `${route.op.operationId}:request`, jsonSchema, parsed.value, 'request body'));
    }
    return problems;
  }

  validateResponse(method: string, url: string, status: number, body: string, contentType = 'application/json'): string[] {
    const route = this.route(method, url);
    if (!route) return [`${method} ${pathOf(url)} is not an operation of the API`];
    const responses = route.spec.responses ?? {};
    const key = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => responses[k]);
    if (!key) return [`status ${status} is not a documented response of ${route.op.operationId}`];
    const schema = responses[key].content?.['application/json']?.schema;
    if (!schema) return [];
    if (!contentType.includes('application/json')) return [`response ${status}: content-type ${contentType}, documented application/json`];
    const parsed = parseJson(body);
    if (parsed.error) return [`response ${status} body: not JSON (${parsed.error})`];
    return this.check(this.ajv, `${route.op.operationId}:${key}`, schema, parsed.value, `response ${status} body`);
  }

  private route(method: string, url: string) {
    const path = pathOf(url);
    return this.routes.find((r) => r.op.method === method.toUpperCase() && r.pattern.test(path));
  }

  private check(ajv: Ajv, key: string, schema: unknown, value: unknown, where: string): string[] {
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = ajv.compile(toJsonSchema(schema as Json) as object);
      this.compiled.set(key, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e) => `${where}${e.instancePath || ''}: ${e.message ?? 'invalid'}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''}`);
  }
}

/** OpenAPI 3.0 to JSON Schema: component refs to absolute ids, and `nullable` (which may stand alone) to a null type. */
function toJsonSchema(node: Json): Json {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const out: { [key: string]: Json } = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')) out[k] = `${BASE}${v.slice('#/components/schemas/'.length)}`;
    else if (k !== 'nullable') out[k] = toJsonSchema(v);
  }
  if (node.nullable !== true) return out;
  if (typeof out.type === 'string') return { ...out, type: [out.type, 'null'] };
  // `{ nullable: true }` alone (Qdrant's anyOf alternatives) means null; beside a $ref or anyOf it widens it.
  return Object.keys(out).length === 0 ? { type: 'null' } : { anyOf: [out, { type: 'null' }] };
}

/** The integer and float formats OpenAPI documents use (Rust's u64, f32...), checked rather than ignored. */
function registerNumericFormats(ajv: Ajv): void {
  const unsigned = (n: number) => Number.isInteger(n) && n >= 0;
  for (const f of ['uint', 'uint8', 'uint16', 'uint32', 'uint64', 'usize']) ajv.addFormat(f, { type: 'number', validate: unsigned });
  for (const f of ['int8', 'int16', 'int32', 'int64']) ajv.addFormat(f, { type: 'number', validate: Number.isInteger });
  for (const f of ['float', 'double']) ajv.addFormat(f, { type: 'number', validate: Number.isFinite });
  ajv.addFormat('partial-date-time', true); // a time without a zone; not a standard format, only named
}

function pathOf(url: string): string {
  return new URL(url, 'http://x').pathname;
}

function parseJson(text: string): { value?: unknown; error?: string } {
  try {
    return { value: JSON.parse(text) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}
