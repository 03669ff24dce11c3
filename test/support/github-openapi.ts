/**
 * Validates GitHub API responses against GitHub's published OpenAPI description (`@octokit/openapi`,
 * generated/api.github.com.json, built from github/rest-api-description), so the stand-in cannot drift
 * from what api.github.com sends: a response that does not fit the schema is a test failure.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS with a default export; under ESM interop it may arrive wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv,
) => Ajv;

interface OpenApiResponse {
  $ref?: string;
  content?: Record<string, { schema?: unknown }>;
}
interface OpenApiOperation {
  operationId: string;
  responses: Record<string, OpenApiResponse>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { responses: Record<string, OpenApiResponse> };
}

export interface SchemaViolation {
  method: string;
  path: string;
  status: number;
  operationId?: string;
  errors: string;
}

const SPEC_ID = 'https://api.github.com/openapi.json';

let loaded:
  | { spec: OpenApiDocument; ajv: Ajv; templates: Array<{ template: string; parts: string[] }> }
  | undefined;

function load() {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
  const spec = JSON.parse(readFileSync(file, 'utf8')) as OpenApiDocument & { $id?: string };
  // OpenAPI 3.0 schemas: `nullable`, `discriminator`, `example` and x- keywords; ajv understands the first
  // two with these options and must ignore the rest.
  rewriteDiscriminators(spec);
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true, code: { optimize: false } });
  addFormats(ajv);
  ajv.addSchema({ ...spec, $id: SPEC_ID } as object);
  const templates = Object.keys(spec.paths).map((template) => ({ template, parts: template.split('/') }));
  loaded = { spec, ajv, templates };
  return loaded;
}

/**
 * ajv does not support `discriminator.mapping`. Rewrite each mapped oneOf into what the mapping means: the
 * discriminator property selects the schema (`user_view_type: public` → public-user). Without this, an
 * object valid against both alternatives (a private-user is also a valid public-user) fails `oneOf`.
 */
function rewriteDiscriminators(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) rewriteDiscriminators(item);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  const disc = obj.discriminator as { propertyName?: string; mapping?: Record<string, string> } | undefined;
  if (disc?.propertyName && disc.mapping && Array.isArray(obj.oneOf)) {
    const prop = disc.propertyName;
    obj.oneOf = Object.entries(disc.mapping).map(([value, ref]) => ({
      allOf: [{ type: 'object', required: [prop], properties: { [prop]: { const: value } } }, { $ref: ref }],
    }));
    delete obj.discriminator;
  }
  for (const value of Object.values(obj)) rewriteDiscriminators(value);
}

/** The OpenAPI path template for a concrete path (each `{param}` matches exactly one segment). */
export function matchTemplate(path: string): string | undefined {
  const { templates } = load();
  const parts = path.split('/');
  const candidates = templates.filter(
    (t) => t.parts.length === parts.length && t.parts.every((p, i) => p.startsWith('{') || p === parts[i]),
  );
  // Prefer the most literal template (/user/packages over /users/{username}).
  candidates.sort(
    (a, b) =>
      b.parts.filter((p) => !p.startsWith('{')).length - a.parts.filter((p) => !p.startsWith('{')).length,
  );
  return candidates[0]?.template;
}

const validators = new Map<string, ValidateFunction>();

function validatorFor(ref: string): ValidateFunction {
  let v = validators.get(ref);
  if (!v) {
    v = load().ajv.compile({ $ref: `${SPEC_ID}${ref}` });
    validators.set(ref, v);
  }
  return v;
}

function escapePointer(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * The JSON-pointer of the response schema for one answer, or of `basic-error` when the spec documents the
 * status without a body (e.g. 400 `package_es_list_error`) or not at all (GitHub still sends its
 * `{message, documentation_url}` error shape).
 */
function schemaPointer(
  template: string,
  method: string,
  status: number,
): { pointer: string; operationId: string } | undefined {
  const { spec } = load();
  const op = spec.paths[template]?.[method.toLowerCase()];
  if (!op) return undefined;
  let response = op.responses[String(status)];
  let pointer = `#/paths/${escapePointer(template)}/${method.toLowerCase()}/responses/${status}`;
  if (response?.$ref) {
    const name = response.$ref.split('/').pop() as string;
    pointer = `#/components/responses/${escapePointer(name)}`;
    response = spec.components.responses[name];
  }
  if (response?.content?.['application/json']?.schema)
    return { pointer: `${pointer}/content/application~1json/schema`, operationId: op.operationId };
  return status >= 400
    ? { pointer: '#/components/schemas/basic-error', operationId: op.operationId }
    : undefined;
}

/** Validates one response body; returns a violation, or undefined when it fits (or has no body to check). */
export function validateGitHubResponse(
  method: string,
  path: string,
  status: number,
  body: unknown,
): SchemaViolation | undefined {
  const template = matchTemplate(path);
  // GitHub answers unknown paths with its basic-error 404.
  const found = template
    ? schemaPointer(template, method, status)
    : status >= 400
      ? { pointer: '#/components/schemas/basic-error', operationId: '(no operation)' }
      : undefined;
  if (!template && !found)
    return { method, path, status, errors: 'no operation in the OpenAPI description matches this path' };
  if (!found) {
    if (body === undefined) return undefined;
    return {
      method,
      path,
      status,
      errors: `the description declares no body for ${method} ${template ?? path} → ${status}`,
    };
  }
  if (body === undefined)
    return {
      method,
      path,
      status,
      operationId: found.operationId,
      errors: 'a body is required but none was sent',
    };
  const validate = validatorFor(found.pointer);
  if (validate(body)) return undefined;
  return {
    method,
    path,
    status,
    operationId: found.operationId,
    errors: (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; '),
  };
}
