/**
 * Reading and writing the JSON files credentials live in. Writes are atomic (temp file in the same
 * directory, then rename) so a crash never leaves a half-written config.json, and the file is 0600 because
 * it may hold base64 passwords.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { LadingError } from '../registry/errors';

export type JsonObject = Record<string, unknown>;

/** The parsed file, or undefined when it does not exist. A file that is not a JSON object is an error. */
export async function readJsonObject(path: string): Promise<JsonObject | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new LadingError('file-error', `Could not read ${path}: ${(e as Error).message}`, { cause: e });
  }
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new LadingError('file-error', `${path} is not valid JSON.`, {
      hint: 'Fix or remove the file; Lading does not rewrite a file it cannot read.',
    });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new LadingError('file-error', `${path} does not hold a JSON object.`, {
      hint: 'Fix or remove the file.',
    });
  }
  return parsed as JsonObject;
}

/** The object under `key`, when it is one. */
export function objectField(obj: JsonObject | undefined, key: string): JsonObject | undefined {
  const v = obj?.[key];
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : undefined;
}

/** The string under `key`, when it is a non-empty one. */
export function stringField(obj: JsonObject | undefined, key: string): string | undefined {
  const v = obj?.[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * Writes `data` as the file at `path`: directory created 0700 if missing, file 0600, replaced atomically.
 * A symlinked config.json is written through (its target is replaced), as Docker's CLI does.
 */
export async function writeJsonAtomic(path: string, data: JsonObject): Promise<void> {
  let target = path;
  try {
    target = await realpath(path);
  } catch {
    // Not there yet: write the path as given.
  }
  const dir = dirname(target);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const temp = join(dir, `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await writeFile(temp, `${JSON.stringify(data, null, '\t')}\n`, { mode: 0o600 });
      // writeFile's mode is filtered by the umask; make sure.
      await chmod(temp, 0o600);
      await rename(temp, target);
    } catch (e) {
      await rm(temp, { force: true });
      throw e;
    }
  } catch (e) {
    if (e instanceof LadingError) throw e;
    throw new LadingError('file-error', `Could not write ${target}: ${(e as Error).message}`, {
      hint: 'Check that the directory is writable.',
      cause: e,
    });
  }
}
