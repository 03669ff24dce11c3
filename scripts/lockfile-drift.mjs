/**
 * package.json ↔ package-lock.json drift, checked before anything is installed or run: `npm ci` refuses a
 * lockfile that does not match package.json, and a lockfile edited by hand can name versions outside the
 * ranges. Plain Node with no dependencies; fast and offline (reads two files).
 */
const GROUPS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'];

/**
 * Every way the lockfile disagrees with package.json, one line each (empty: in sync). `satisfies(version,
 * range)` (e.g. semver's) is optional: without it, versions are not checked against ranges.
 * @param {Record<string, any>} pkg
 * @param {Record<string, any>} lock
 * @param {(version: string, range: string) => boolean} [satisfies]
 * @returns {string[]}
 */
export function lockfileDrift(pkg, lock, satisfies) {
  const problems = [];
  if (lock.lockfileVersion !== 3 || !lock.packages?.['']) {
    return ['package-lock.json is not a lockfileVersion 3 lockfile: run `npm install` with npm 9 or later'];
  }
  const root = lock.packages[''];
  for (const group of GROUPS) {
    const wanted = pkg[group] ?? {};
    const locked = root[group] ?? {};
    for (const [name, range] of Object.entries(wanted)) {
      if (!(name in locked)) problems.push(`${group}.${name} (${range}) is not in package-lock.json`);
      else if (locked[name] !== range)
        problems.push(`${group}.${name} is ${range} in package.json but ${locked[name]} in the lockfile`);
      const entry = lock.packages[`node_modules/${name}`];
      if (!entry) {
        if (group !== 'optionalDependencies' && group !== 'peerDependencies')
          problems.push(`${name} has no node_modules/${name} entry in package-lock.json`);
        continue;
      }
      // file:/link:/git specs name no version range.
      const isRange = !/^(file|link|git|github|https?|npm):|\//.test(range);
      if (satisfies && isRange && entry.version && !entry.link && !satisfies(entry.version, range)) {
        problems.push(`${name}@${entry.version} in package-lock.json does not satisfy ${range}`);
      }
    }
    for (const name of Object.keys(locked)) {
      if (!(name in wanted))
        problems.push(`${group}.${name} is in package-lock.json but not in package.json`);
    }
  }
  return problems;
}
