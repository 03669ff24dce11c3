/** engines.list: the local engines found (Docker's, Podman's) and their images; transfers are jobs.push/pull. */
import type { Handlers } from '../../../shared/contract';
import type { ServiceContext } from './context';

export function engineHandlers(ctx: ServiceContext): Pick<Handlers, 'engines.list'> {
  return {
    'engines.list': async () => ctx.engines.list(),
  };
}
