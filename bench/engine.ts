/**
 * The local-engine cases of `npm run bench` (`--only engine`): a private dockerd (test/support/engine.ts,
 * vfs storage, as root) and, for each image, Lading against the docker CLI:
 *   - push: `lading push docker-daemon:IMAGE REF` vs `docker push REF`, each into a fresh registry;
 *   - pull: `lading pull REF docker-daemon:` vs `docker pull REF`, the engine emptied of the image before
 *     each, so neither finds a layer already there.
 * Wall times only: the engine does much of the work, so the CLIs' own memory says little.
 */
import { engineUnavailable, startEngine, type TestEngine } from '../test/support/engine';
import { startRegistry } from '../test/support/registry';
import { measure } from './measure';

export interface EngineBenchEnv {
  /** The installed-style CLI (bundle) and a private HOME for it. */
  cli: string;
  work: string;
  log(s: string): void;
}

export interface EngineRow {
  name: string;
  lading: number[];
  docker: number[];
}

async function timed(engine: TestEngine, env: EngineBenchEnv, who: 'lading' | 'docker', args: string[]) {
  const r =
    who === 'lading'
      ? await measure(process.execPath, [env.cli, ...args], {
          ...process.env,
          HOME: env.work,
          DOCKER_CONFIG: `${env.work}/docker`,
          DOCKER_HOST: engine.host,
        })
      : await measure('docker', ['-H', engine.host, ...args], {
          ...process.env,
          DOCKER_CONFIG: `${env.work}/docker`,
        });
  return r.ms;
}

/** Removes every image from the engine (and so every layer). */
async function emptyEngine(engine: TestEngine): Promise<void> {
  const { stdout } = await engine.docker(['images', '-aq']);
  const ids = [...new Set(stdout.split('\n').filter(Boolean))];
  if (ids.length) await engine.docker(['rmi', '-f', ...ids]);
}

async function benchOne(
  engine: TestEngine,
  env: EngineBenchEnv,
  name: string,
  archive: string,
  runs: number,
): Promise<EngineRow[]> {
  const push: EngineRow = { name: `engine push ${name}`, lading: [], docker: [] };
  const pull: EngineRow = { name: `engine pull ${name}`, lading: [], docker: [] };
  const local = `bench/${name}:latest`;
  await emptyEngine(engine);
  await engine.docker(['load', '-i', archive]);
  for (let run = 0; run < runs; run++) {
    for (const who of run % 2 === 0 ? (['lading', 'docker'] as const) : (['docker', 'lading'] as const)) {
      const reg = await startRegistry({ mode: 'open' });
      try {
        const target = `${reg.host}/bench/${name}:latest`;
        if (who === 'lading')
          push.lading.push(await timed(engine, env, who, ['push', `docker-daemon:${local}`, target]));
        else {
          await engine.docker(['tag', local, target]);
          push.docker.push(await timed(engine, env, who, ['push', '--quiet', target]));
          await engine.docker(['rmi', target]);
        }
      } finally {
        await reg.stop();
      }
    }
    env.log(
      `${push.name} run ${run + 1}/${runs}: lading ${push.lading.at(-1)?.toFixed(0)} ms, docker ${push.docker.at(-1)?.toFixed(0)} ms`,
    );
  }
  const reg = await startRegistry({ mode: 'open' });
  try {
    const source = `${reg.host}/bench/${name}:latest`;
    await engine.docker(['tag', local, source]);
    await engine.docker(['push', '--quiet', source]);
    for (let run = 0; run < runs; run++) {
      for (const who of run % 2 === 0 ? (['lading', 'docker'] as const) : (['docker', 'lading'] as const)) {
        await emptyEngine(engine);
        if (who === 'lading')
          pull.lading.push(await timed(engine, env, who, ['pull', source, 'docker-daemon:']));
        else pull.docker.push(await timed(engine, env, who, ['pull', '--quiet', source]));
      }
      env.log(
        `${pull.name} run ${run + 1}/${runs}: lading ${pull.lading.at(-1)?.toFixed(0)} ms, docker ${pull.docker.at(-1)?.toFixed(0)} ms`,
      );
    }
  } finally {
    await reg.stop();
  }
  return [push, pull];
}

/** The engine rows for `images`, or undefined (with the reason logged) where dockerd cannot run. */
export async function runEngineBench(
  env: EngineBenchEnv,
  images: [string, string][],
  runs: number,
): Promise<EngineRow[] | undefined> {
  const why = engineUnavailable();
  if (why) {
    env.log(`engine cases skipped: ${why}`);
    return undefined;
  }
  const engine = await startEngine();
  try {
    const rows: EngineRow[] = [];
    for (const [name, archive] of images) rows.push(...(await benchOne(engine, env, name, archive, runs)));
    return rows;
  } finally {
    await engine.stop();
  }
}
