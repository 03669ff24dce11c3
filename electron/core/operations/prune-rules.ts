/**
 * The retention rules of `lading prune` (flags and policy files alike): which tags are considered, which
 * are kept, and the duration syntax of --older-than. Validation only; the planner applies them.
 */
import { durationMs } from '../../../shared/durations';
import { LadingError } from '../registry/errors';
import { parsePattern } from './patterns';

export interface PruneRules {
  /** Only tags matching this are considered; the others stay. */
  match?: RegExp;
  /** Tags matching any of these are kept, and with them every tag of their image. */
  keep: RegExp[];
  /** The N newest images (distinct digests) among the considered tags are kept. */
  keepLast?: number;
  /** Only images created longer ago than this many milliseconds may go. */
  olderThanMs?: number;
  /** As written (e.g. "30d"), for the reasons. */
  olderThan?: string;
  untagged?: boolean;
  /** Signatures, attestations and SBOMs of deleted images stay. */
  keepReferrers?: boolean;
}

/** A policy file's fields: the flags' names in camelCase. */
export interface PrunePolicy {
  match?: string;
  keep?: string | string[];
  keepLast?: number;
  olderThan?: string;
  untagged?: boolean;
  keepReferrers?: boolean;
}

/** "30d", "12h", "2w", "1w3d" (s, m for minutes, h, d, w) in milliseconds. */
export function parseDuration(text: string): number {
  const ms = durationMs(text);
  if (ms === undefined) {
    throw new LadingError('invalid-input', `--older-than "${text}" is not a duration.`, {
      hint: 'Give a number and a unit, e.g. 30d, 12h, 2w or 90m (s, m, h, d, w).',
    });
  }
  return ms;
}

function badPolicy(field: string, what: string): LadingError {
  return new LadingError('invalid-input', `The policy's "${field}" must be ${what}.`, {
    hint: 'Fields: match (string), keep (string or list), keepLast (number), olderThan ("30d"), untagged, keepReferrers (true/false).',
  });
}

/** A parsed policy file checked field by field (unknown fields refused: a typo must not widen a delete). */
export function policyFrom(value: unknown): PrunePolicy {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new LadingError('invalid-input', 'The policy file is not an object of rules.', {
      hint: 'Write e.g. {"keep": ["^v\\\\d+"], "keepLast": 10, "olderThan": "30d"}.',
    });
  }
  const known = ['match', 'keep', 'keepLast', 'olderThan', 'untagged', 'keepReferrers'];
  const v = value as Record<string, unknown>;
  for (const k of Object.keys(v)) {
    if (!known.includes(k)) {
      throw new LadingError('invalid-input', `The policy has an unknown field "${k}".`, {
        hint: `Use only ${known.join(', ')}.`,
      });
    }
  }
  if (v.match !== undefined && typeof v.match !== 'string') throw badPolicy('match', 'a string');
  const keepOk =
    v.keep === undefined ||
    typeof v.keep === 'string' ||
    (Array.isArray(v.keep) && v.keep.every((k) => typeof k === 'string'));
  if (!keepOk) throw badPolicy('keep', 'a string or a list of strings');
  if (v.keepLast !== undefined && !(Number.isInteger(v.keepLast) && (v.keepLast as number) >= 0))
    throw badPolicy('keepLast', 'a whole number, 0 or more');
  if (v.olderThan !== undefined && typeof v.olderThan !== 'string')
    throw badPolicy('olderThan', 'a duration string like "30d"');
  for (const b of ['untagged', 'keepReferrers'])
    if (v[b] !== undefined && typeof v[b] !== 'boolean') throw badPolicy(b, 'true or false');
  return v as PrunePolicy;
}

/** Rules from a policy with the flags on top (a flag given wins; --keep patterns add to the policy's). */
export function pruneRules(policy: PrunePolicy, flags: PrunePolicy = {}): PruneRules {
  const list = (k: string | string[] | undefined) => (k === undefined ? [] : Array.isArray(k) ? k : [k]);
  const match = flags.match ?? policy.match;
  const olderThan = flags.olderThan ?? policy.olderThan;
  const keepLast = flags.keepLast ?? policy.keepLast;
  if (keepLast !== undefined && !(Number.isInteger(keepLast) && keepLast >= 0)) {
    throw new LadingError('invalid-input', `--keep-last "${keepLast}" is not a whole number.`, {
      hint: 'Give how many of the newest images to keep, e.g. --keep-last 10.',
    });
  }
  const rules: PruneRules = {
    match: match === undefined ? undefined : parsePattern(match, '--match'),
    keep: [...list(policy.keep), ...list(flags.keep)].map((k) => parsePattern(k, '--keep')),
    keepLast,
    olderThan,
    olderThanMs: olderThan === undefined ? undefined : parseDuration(olderThan),
    untagged: flags.untagged ?? policy.untagged ?? false,
    keepReferrers: flags.keepReferrers ?? policy.keepReferrers ?? false,
  };
  if (!rules.match && rules.keep.length === 0 && rules.keepLast === undefined && !rules.olderThan) {
    throw new LadingError('invalid-input', 'No rule says what to keep: prune would delete every tag.', {
      hint: 'Give at least one of --match, --keep, --keep-last or --older-than (or a --policy file with them).',
    });
  }
  return rules;
}
