/**
 * The registry client as the integration tests use it: a RegistryClient for a TestRegistry, a suite-wide
 * registry with its client, and the small checks every client test needs.
 */
import { afterAll, beforeAll } from 'vitest';
import { RegistryClient, type RegistryClientOptions } from '../../electron/core/registry/client';
import { LadingError } from '../../electron/core/registry/errors';
import { type StartRegistryOptions, startRegistry, type TestRegistry } from './registry';

/** A client for a test registry, with short retry delays so failing cases stay quick. */
export function clientFor(registry: TestRegistry, opts: Partial<RegistryClientOptions> = {}): RegistryClient {
  return new RegistryClient({ registry: registry.host, retryBaseMs: 50, ...opts });
}

export interface RegistrySuite {
  readonly registry: TestRegistry;
  /** An anonymous client (`clientFor`) for the suite's registry. */
  readonly client: RegistryClient;
}

/**
 * Starts a registry before the enclosing `describe` block's tests and stops it after them. The returned
 * object's fields are set once `beforeAll` has run, so read them inside tests and hooks.
 */
export function registrySuite(
  opts: StartRegistryOptions,
  setup: {
    /** What the suite's tests expect to find in the registry (tags, images), pushed once before them. */
    seed?: (registry: TestRegistry) => Promise<unknown>;
    client?: Partial<RegistryClientOptions>;
  } = {},
): RegistrySuite {
  let started: RegistrySuite | undefined;
  beforeAll(async () => {
    const registry = await startRegistry(opts);
    started = { registry, client: clientFor(registry, setup.client) };
    await setup.seed?.(registry);
  });
  afterAll(async () => {
    await started?.registry.stop();
  });
  const get = (): RegistrySuite => {
    if (!started) throw new Error('registrySuite: the registry is not started yet (read it inside a test)');
    return started;
  };
  return {
    get registry() {
      return get().registry;
    },
    get client() {
      return get().client;
    },
  };
}

/** The LadingError a promise rejects with; fails the test if it resolves or rejects with anything else. */
export async function errorOf(p: Promise<unknown>): Promise<LadingError> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof LadingError))
      throw new Error(`expected a LadingError, got: ${String(e)}`, { cause: e });
    return e;
  }
  throw new Error('expected the call to fail');
}

/** Everything a stream yields, as one buffer. */
export async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
