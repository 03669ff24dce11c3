import { createHash } from 'node:crypto';

/** The OCI digest (`sha256:<hex>`) of some bytes. */
export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}
