/**
 * `node dist/bridge.mjs [--port N]` (what `npm run web` starts). The first stdout line is the URL with the
 * per-launch secret; nothing else is printed there, so scripts and the e2e can read it.
 */
import { parseArgs } from 'node:util';
import { fileStoreNote } from '../../../shared/secret-storage';
import { runBridge } from './run';

const { values } = parseArgs({ options: { port: { type: 'string' } }, allowPositionals: false });
const port = values.port === undefined ? undefined : Number(values.port);
if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
  process.stderr.write(`lading bridge: --port must be a number from 0 to 65535, not "${values.port}"\n`);
  process.exit(2);
}

const bridge = await runBridge({ port });
process.stdout.write(`${bridge.url}\n`);
process.stderr.write('Lading is running in your browser at the URL above. Press Ctrl+C to stop.\n');
if (bridge.secretStorage === 'encrypted-file') process.stderr.write(`${fileStoreNote()}\n`);

let stopping = false;
const stop = () => {
  if (stopping) process.exit(130);
  stopping = true;
  void bridge.stop().finally(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
