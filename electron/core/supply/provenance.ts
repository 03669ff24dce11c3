/**
 * A provenance statement in a few lines: who built it (builder id), from what (source repository and
 * commit), when, and the build's entry point; SLSA v0.2 and v1 predicates, as BuildKit and GitHub write them.
 */
export const SLSA_V02 = 'https://slsa.dev/provenance/v0.2';
export const SLSA_V1 = 'https://slsa.dev/provenance/v1';

export interface ProvenanceSummary {
  predicateType: string;
  builderId?: string;
  buildType?: string;
  sourceRepository?: string;
  sourceCommit?: string;
  startedOn?: string;
  finishedOn?: string;
  entryPoint?: string;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** A git commit from an in-toto digest set (sha1 for git, gitCommit in SLSA v1). */
const commitOf = (digest: unknown) => str(obj(digest).gitCommit) ?? str(obj(digest).sha1);

/** The summary of a statement whose predicate is SLSA provenance; undefined for anything else. */
export function provenanceOf(statement: unknown): ProvenanceSummary | undefined {
  const s = obj(statement);
  const type = str(s.predicateType);
  const p = obj(s.predicate);
  if (type === SLSA_V02) return v02(p);
  if (type === SLSA_V1) return v1(p);
  return undefined;
}

function v02(p: Json): ProvenanceSummary {
  const invocation = obj(p.invocation);
  const config = obj(invocation.configSource);
  const metadata = obj(p.metadata);
  const materials = Array.isArray(p.materials) ? p.materials.map(obj) : [];
  const source = str(config.uri) ? config : (materials.find((m) => commitOf(m.digest)) ?? {});
  return clean({
    predicateType: SLSA_V02,
    builderId: str(obj(p.builder).id),
    buildType: str(p.buildType),
    sourceRepository: str(source.uri),
    sourceCommit: commitOf(source.digest),
    startedOn: str(metadata.buildStartedOn),
    finishedOn: str(metadata.buildFinishedOn),
    entryPoint: str(config.entryPoint),
  });
}

function v1(p: Json): ProvenanceSummary {
  const def = obj(p.buildDefinition);
  const run = obj(p.runDetails);
  const external = obj(def.externalParameters);
  const metadata = obj(run.metadata);
  // BuildKit: externalParameters.configSource {uri, digest, path}; GitHub Actions: workflow {repository, ref, path}.
  const config = obj(external.configSource);
  const workflow = obj(external.workflow);
  const deps = Array.isArray(def.resolvedDependencies) ? def.resolvedDependencies.map(obj) : [];
  const dep = deps.find((d) => commitOf(d.digest));
  return clean({
    predicateType: SLSA_V1,
    builderId: str(obj(run.builder).id),
    buildType: str(def.buildType),
    sourceRepository: str(config.uri) ?? str(workflow.repository) ?? str(dep?.uri),
    sourceCommit: commitOf(config.digest) ?? commitOf(dep?.digest),
    startedOn: str(metadata.startedOn),
    finishedOn: str(metadata.finishedOn),
    entryPoint: str(config.path) ?? str(workflow.path) ?? str(obj(external.request).frontend),
  });
}

function clean(s: ProvenanceSummary): ProvenanceSummary {
  return Object.fromEntries(
    Object.entries(s).filter(([, v]) => v !== undefined),
  ) as unknown as ProvenanceSummary;
}
