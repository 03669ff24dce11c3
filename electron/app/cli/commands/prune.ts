/**
 * `lading prune REPOSITORY`: retention rules over a repository's tags, previewed with --dry-run, run with
 * confirmation (or --yes). The rules come from the flags and/or a --policy file (JSON, or YAML by its
 * .yml/.yaml name), the flags winning.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { deletesThroughGitHub } from '../../../core/github/hosts';
import {
  executePrune,
  type PruneRunOptions,
  type PruneRunResult,
  prunePlanFor,
} from '../../../core/operations/prune';
import type { PruneAction, PrunePlan } from '../../../core/operations/prune-plan';
import {
  type PrunePolicy,
  type PruneRules,
  policyFrom,
  pruneRules,
} from '../../../core/operations/prune-rules';
import { LadingError } from '../../../core/registry/errors';
import { formatReference, parseRepository } from '../../../core/registry/reference';
import { cliContext, confirm, note, print, printJson, registryClient } from '../context';
import { humanSize, shortDigest, table } from '../format';
import { githubContextFor } from './gh';

interface PruneFlags {
  match?: string;
  keep: string[];
  keepLast?: string;
  olderThan?: string;
  untagged?: boolean;
  keepReferrers?: boolean;
  policy?: string;
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
}

async function readPolicy(path: string): Promise<PrunePolicy> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new LadingError('file-error', `Cannot read the policy file ${path}: ${(e as Error).message}.`, {
      hint: 'Give the path of a JSON or YAML file with the rules.',
    });
  }
  try {
    if (/\.ya?ml$/i.test(path)) {
      const { parse } = await import('yaml');
      return policyFrom(parse(text));
    }
    return policyFrom(JSON.parse(text));
  } catch (e) {
    if (e instanceof LadingError) throw e;
    throw new LadingError(
      'invalid-input',
      `The policy file ${path} does not parse: ${(e as Error).message}.`,
      {
        hint: 'Write JSON (or YAML in a .yml/.yaml file) with match, keep, keepLast, olderThan, untagged, keepReferrers.',
      },
    );
  }
}

function keepLastArg(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) {
    throw new LadingError('invalid-input', `--keep-last "${value}" is not a whole number.`, {
      hint: 'Give how many of the newest images to keep, e.g. --keep-last 10.',
    });
  }
  return Number(value);
}

const describeAction = (a: PruneAction) => [
  a.action,
  a.tags && a.tags.length > 1 ? a.tags.join(', ') : (a.tag ?? '(untagged)'),
  shortDigest(a.digest),
  a.created ?? '-',
  a.reason,
];

function printPlan(plan: PrunePlan, dryRun: boolean): void {
  if (plan.plan.length === 0) print('Nothing to delete.');
  else {
    print(
      `${dryRun ? 'Would run' : 'Plan'}: ${plan.plan.length} action(s), ${humanSize(plan.reclaimableBytes)} reclaimable`,
    );
    for (const line of table(plan.plan.map(describeAction))) print(`  ${line}`);
  }
  print(`Kept: ${plan.keep.length} tag(s)`);
  for (const line of table(plan.keep.map((k) => [k.tag ?? '(untagged)', shortDigest(k.digest), k.reason])))
    print(`  ${line}`);
  for (const n of plan.notes) print(`Note: ${n}`);
}

/**
 * The plan and its runner for the host: GitHub hosts through the packages API (loaded only for them, with
 * octokit), every other registry through the Distribution API.
 */
async function planFor(
  cmd: Command,
  target: { registry: string; repository: string },
  rules: PruneRules,
  signal: AbortSignal,
): Promise<{
  plan: PrunePlan;
  execute: (plan: PrunePlan, opts: PruneRunOptions) => Promise<PruneRunResult>;
}> {
  const { io } = cliContext();
  if (deletesThroughGitHub(target.registry, io.env.LADING_GITHUB_REGISTRY)) {
    const ctx = await githubContextFor(cmd, target.registry, target.repository.split('/')[0]);
    const { gitHubPrunePlan, executeGitHubPrune } = await import('../../../core/operations/prune-github');
    const t = { session: ctx.session, client: ctx.client(), repository: target.repository };
    return {
      plan: await gitHubPrunePlan(t, rules, { signal }),
      execute: (p, o) => executeGitHubPrune(t, p, o),
    };
  }
  const client = await registryClient(cmd, target.registry);
  return {
    plan: await prunePlanFor(client, target.repository, rules, { signal }),
    execute: (p, o) => executePrune(client, p, o),
  };
}

export function register(program: Command): void {
  program
    .command('prune')
    .description('delete old tags and images by retention rules; preview with --dry-run')
    .argument('<repository>', 'e.g. registry.example.com/team/app')
    .option('--match <regex>', 'consider only tags matching this (the others stay)')
    .option(
      '--keep <regex>',
      'keep tags matching this, with every tag of their image (repeatable)',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option('--keep-last <n>', 'keep the N newest images (distinct digests) among the considered tags')
    .option('--older-than <duration>', 'delete only images created longer ago than this (30d, 12h, 2w)')
    .option(
      '--untagged',
      'GitHub hosts: also untagged versions nothing kept needs; elsewhere the manifests that lose their last tag in this run',
    )
    .option('--keep-referrers', 'keep the signatures, attestations and SBOMs of deleted images')
    .option(
      '--policy <file>',
      'the rules from a JSON or YAML file (match, keep, keepLast, olderThan, untagged, keepReferrers)',
    )
    .option('--dry-run', 'print the plan; change nothing')
    .option('-y, --yes', 'do not ask for confirmation (needed when stdin is not a terminal)')
    .option('--json', 'print {plan, keep, reclaimableBytes} (and done, failed after a run)')
    .action(async (repositoryArg: string, opts: PruneFlags, cmd: Command) => {
      const { signal } = cliContext();
      const target = parseRepository(repositoryArg);
      const policy = opts.policy ? await readPolicy(opts.policy) : {};
      const rules = pruneRules(policy, {
        match: opts.match,
        keep: opts.keep,
        keepLast: keepLastArg(opts.keepLast),
        olderThan: opts.olderThan,
        untagged: opts.untagged || undefined,
        keepReferrers: opts.keepReferrers || undefined,
      });
      const name = formatReference({ ...target });
      const { plan, execute } = await planFor(cmd, target, rules, signal);
      const { repository: _, notes, ...shown } = plan;
      const extra = notes.length ? { notes } : {};
      if (opts.dryRun || plan.plan.length === 0) {
        // A run with nothing to do still reports its (empty) done and failed lists.
        if (opts.json) printJson({ ...shown, ...extra, ...(opts.dryRun ? {} : { done: [], failed: [] }) });
        else printPlan(plan, opts.dryRun === true);
        return;
      }
      if (!opts.json) printPlan(plan, false);
      if (!opts.yes) {
        const yes = await confirm(
          `Run these ${plan.plan.length} deletions in ${name}?`,
          new LadingError(
            'invalid-input',
            `Refusing to prune ${name} without confirmation: stdin is not a terminal.`,
            {
              hint: 'Preview with --dry-run, then add --yes to run it from a script.',
            },
          ),
        );
        if (!yes) throw new LadingError('cancelled', 'Nothing was deleted.');
      }
      const result = await execute(plan, {
        signal,
        onAction: opts.json
          ? undefined
          : (a, outcome, i) =>
              note(
                `[${i + 1}/${plan.plan.length}] ${outcome === 'done' ? 'done' : 'FAILED'}: ${a.action} ${a.tag ?? shortDigest(a.digest)}`,
              ),
      });
      if (opts.json)
        printJson({
          ...shown,
          ...extra,
          done: result.done,
          failed: result.failed,
          ...(result.stopped ? { stopped: result.stopped } : {}),
        });
      else {
        print(`Done: ${result.done.length} of ${plan.plan.length}; failed: ${result.failed.length}.`);
        for (const f of result.failed)
          print(`  ${f.action.action} ${f.action.tag ?? f.action.digest}: ${f.error.message}`);
      }
      if (result.cancelled)
        throw new LadingError('cancelled', `Pruning ${name} was cancelled; run it again to finish the rest.`);
      if (result.stopped) {
        const { code, message, hint, scope } = result.stopped;
        const after = result.done.length
          ? ` The prune stopped after ${result.done.length} of ${plan.plan.length}.`
          : '';
        const needed = scope && !hint?.includes(scope) ? ` Needed: ${scope}.` : '';
        throw new LadingError(code, `${message}${after}`, {
          hint: `${hint ?? ''}${needed} Then run the same prune again to finish the rest.`.trim(),
        });
      }
      if (result.failed.length) {
        throw new LadingError(
          'conflict',
          `${result.failed.length} of ${plan.plan.length} deletions failed.`,
          {
            hint: 'See each error above; run the same prune again to finish the rest (what is gone counts as done).',
          },
        );
      }
    });
}
