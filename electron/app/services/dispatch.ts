/**
 * The one entry point every transport uses (IPC, the browser bridge, in-process tests): validate the request
 * against the contract, run the handler, (in development and tests) validate the response, and return the
 * `Result` envelope. Nothing thrown escapes, and no stack trace ever crosses the boundary.
 */
import type { z } from 'zod';
import {
  type CallName,
  type CallResponse,
  contract,
  type Handlers,
  isCallName,
  type Result,
} from '../../../shared/contract';
import { LadingError, toErrorInfo } from '../../core/registry/errors';

/** Response validation catches handler bugs; it is on unless NODE_ENV=production. */
const validateResponses = () => process.env.NODE_ENV !== 'production';

/** "registry: a registry host such as ghcr.io or localhost:5000; tags.3: Too big" */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

export function invalidRequest(name: string, error: z.ZodError): LadingError {
  const first = error.issues[0]?.path.map(String).join('.');
  return new LadingError('invalid-input', `Invalid request for ${name}: ${describeIssues(error)}`, {
    hint: first ? `Check the "${first}" field.` : 'Check the request against shared/contract.ts.',
  });
}

export async function dispatch<N extends CallName>(
  handlers: Handlers,
  name: N,
  rawRequest: unknown,
): Promise<Result<CallResponse<N>>>;
export async function dispatch(
  handlers: Handlers,
  name: unknown,
  rawRequest: unknown,
): Promise<Result<unknown>>;
export async function dispatch(
  handlers: Handlers,
  name: unknown,
  rawRequest: unknown,
): Promise<Result<unknown>> {
  if (!isCallName(name)) {
    return {
      ok: false,
      error: {
        code: 'invalid-input',
        // String(name) itself can throw (an object whose toString is not a function): never let it.
        message:
          typeof name === 'string'
            ? `Unknown call "${name.slice(0, 100)}".`
            : `Unknown call (a ${name === null ? 'null' : typeof name}, not a call name).`,
        hint: 'The renderer and the main process are from different versions; restart Lading.',
      },
    };
  }
  const schemas = contract[name];
  const parsed = schemas.request.safeParse(rawRequest ?? {});
  if (!parsed.success) return { ok: false, error: invalidRequest(name, parsed.error).toInfo() };
  try {
    const handler = handlers[name] as (req: unknown) => Promise<unknown>;
    const value = await handler(parsed.data);
    if (validateResponses()) {
      const checked = schemas.response.safeParse(value);
      if (!checked.success) {
        return {
          ok: false,
          error: {
            code: 'internal',
            message: `The ${name} handler returned a response that does not match the contract: ${describeIssues(checked.error)}`,
            hint: 'This is a bug in Lading; please report it.',
          },
        };
      }
      return { ok: true, value: checked.data };
    }
    return { ok: true, value };
  } catch (e) {
    return { ok: false, error: toErrorInfo(e) };
  }
}
