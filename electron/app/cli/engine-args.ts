/**
 * Engine images on the command line, named with skopeo's transport, `docker-daemon:NAME[:TAG]`, where
 * push takes an archive and pull writes one; `--engine` picks Docker's or Podman's socket (default: the
 * docker CLI's engine, else Podman's). DOCKER_HOST and docker contexts select the engine as for docker.
 */
import { Option } from 'commander';
import type { EngineKind } from '../../core/engines/endpoint';
import { type EngineClient, openEngine } from '../../core/engines/engine-client';
import { LadingError } from '../../core/registry/errors';
import { cliContext } from './context';

export const ENGINE_PREFIX = 'docker-daemon:';

/** The image name after `docker-daemon:` ('' when none is given), or undefined for a file argument. */
export function engineImageArg(arg: string): string | undefined {
  return arg.startsWith(ENGINE_PREFIX) ? arg.slice(ENGINE_PREFIX.length) : undefined;
}

export function engineOption(): Option {
  return new Option(
    '--engine <engine>',
    "which local engine (default: the docker CLI's, else Podman)",
  ).choices(['docker', 'podman']);
}

/** The engine for this run, from the CLI's environment. */
export function cliEngine(kind?: EngineKind): Promise<EngineClient> {
  const { io, signal } = cliContext();
  return openEngine({ env: io.env, kind, signal });
}

/** A name is required where the engine image is the source. */
export function requireLocalName(name: string): string {
  if (!name)
    throw new LadingError(
      'invalid-input',
      'docker-daemon: needs the local image, e.g. docker-daemon:app:1.',
      {
        hint: 'List the local images with lading images.',
      },
    );
  return name;
}
