/**
 * The two pieces of undici the registry client uses, its connection-pooling Agent and its request API, loaded
 * without the rest of the package. undici's index loads every dispatcher, the mocks, the cache stores, fetch
 * and WebSocket: ~30 ms of the CLI's start-up (half of it), paid by every `lading` call and by a small push
 * before its first request. These two modules are ~10 ms. The deep paths are plain CommonJS files of the
 * package (it has no `exports` map); the types are undici's own.
 */
import type { Agent as AgentType, Dispatcher } from 'undici';
// @ts-expect-error: as above.
import requestImpl from 'undici/lib/api/api-request.js';
// @ts-expect-error: a file of the package without its own declaration; typed below from undici's types.
import AgentImpl from 'undici/lib/dispatcher/agent.js';

export type { Dispatcher };
export type Agent = AgentType;

/** undici's Agent (`new Agent(options)`), the same class the package's index exports. */
export const Agent = AgentImpl as typeof AgentType;

/**
 * `dispatcher.request(options)` of undici's API, callable on any dispatcher (the index attaches it to
 * Dispatcher.prototype; loading only this file does not, so it is called with the dispatcher as `this`).
 */
export function request(
  dispatcher: Dispatcher,
  options: Dispatcher.RequestOptions,
): Promise<Dispatcher.ResponseData> {
  return (
    requestImpl as (this: Dispatcher, o: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>
  ).call(dispatcher, options);
}
