/**
 * An image's files as the contract carries them (`files.*` calls), the same shapes `lading ls --json` and
 * `lading ls --summary --json` print: paths absolute, modes octal strings, layers 1-based.
 */
import { z } from 'zod';

export const FileEntryTypeSchema = z.enum([
  'file',
  'directory',
  'symlink',
  'hardlink',
  'character-device',
  'block-device',
  'fifo',
]);

export const FileRowSchema = z.object({
  path: z.string(),
  type: FileEntryTypeSchema,
  size: z.number(),
  mode: z.string(),
  uid: z.number(),
  gid: z.number(),
  linkTarget: z.string().optional(),
  layer: z.number().int(),
  change: z.enum(['added', 'modified', 'removed']).optional(),
});
export type FileRowInfo = z.infer<typeof FileRowSchema>;

export const FilesListingSchema = z.object({
  /** The image manifest read (the platform's, for an index). */
  digest: z.string(),
  layers: z.array(z.object({ number: z.number().int(), digest: z.string(), size: z.number() })),
  rows: z.array(FileRowSchema),
});
export type FilesListing = z.infer<typeof FilesListingSchema>;

export const FilesSummarySchema = z.object({
  files: z.number(),
  directories: z.number(),
  totalBytes: z.number(),
  finalBytes: z.number(),
  wastedBytes: z.number(),
  efficiency: z.number(),
  largestWasted: z.array(z.object({ path: z.string(), bytes: z.number(), layer: z.number().int() })),
});
export type FilesSummaryInfo = z.infer<typeof FilesSummarySchema>;
