/**
 * The engine failures a user can act on, each saying what to do: no engine (and where Lading looked), a
 * socket the user may not open (the docker group), an engine whose API is too old, an image not there.
 */
import { LadingError } from '../registry/errors';
import { type EngineEndpoint, endpointLabel } from './endpoint';

/** The system error code under an undici or net error (ENOENT, ECONNREFUSED, EACCES, ...). */
export function systemCode(e: unknown): string | undefined {
  let cur = e as { code?: unknown; cause?: unknown } | undefined;
  for (let i = 0; i < 4 && cur; i++) {
    if (typeof cur.code === 'string' && /^E[A-Z]+$/.test(cur.code) && cur.code !== 'ERR') return cur.code;
    cur = cur.cause as typeof cur;
  }
  return undefined;
}

export function noEngine(tried: { endpoint: EngineEndpoint; why: string }[]): LadingError {
  const list = tried.map((t) => `${endpointLabel(t.endpoint)} (${t.endpoint.source}: ${t.why})`).join(', ');
  return new LadingError('unreachable', `No Docker or Podman engine is running: tried ${list}.`, {
    hint:
      'Start Docker (or Podman: systemctl --user start podman.socket), or point DOCKER_HOST at its socket, ' +
      'e.g. DOCKER_HOST=unix:///run/user/1000/docker.sock.',
  });
}

export function socketDenied(endpoint: EngineEndpoint): LadingError {
  return new LadingError(
    'denied',
    `Permission denied on the engine socket ${endpointLabel(endpoint)} (${endpoint.source}).`,
    {
      hint:
        endpoint.kind === 'podman'
          ? 'Use your own rootless socket (systemctl --user start podman.socket) or run as root.'
          : 'Add yourself to the docker group (sudo usermod -aG docker $USER, then log in again), or use a rootless engine through DOCKER_HOST.',
    },
  );
}

export function engineTooOld(endpoint: EngineEndpoint, has: string, needs: string): LadingError {
  return new LadingError(
    'unsupported',
    `The engine at ${endpointLabel(endpoint)} speaks Docker API ${has}; Lading needs ${needs} or newer.`,
    { hint: 'Upgrade Docker (20.10 or newer) or Podman (3 or newer).' },
  );
}

export function engineTooNew(endpoint: EngineEndpoint, min: string, max: string): LadingError {
  return new LadingError(
    'unsupported',
    `The engine at ${endpointLabel(endpoint)} needs Docker API ${min} or newer; Lading speaks up to ${max}.`,
    { hint: 'Upgrade Lading.' },
  );
}

export function imageNotLocal(name: string, engine: string): LadingError {
  return new LadingError('manifest-unknown', `The image ${name} is not in the local ${engine} engine.`, {
    hint: 'List the local images with lading images, or build or pull it into the engine first.',
  });
}

/** A save that the engine broke off, with what it said (appended to the tar stream it had started). */
export function saveFailed(name: string, engine: string, said: string): LadingError {
  return new LadingError('server-error', `The ${engine} engine stopped saving ${name}: ${said}`, {
    hint: `Lading read nothing wrong in the archive: the engine failed while exporting the image. Check that ${name} is intact (docker image inspect ${name}, the engine's log, free disk space), then push again.`,
  });
}
