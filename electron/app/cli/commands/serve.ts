/** `lading serve [--port N]`: the app in your browser, through the loopback bridge. */
import type { Command } from 'commander';
import { fileStoreNote } from '../../../../shared/secret-storage';
import { LadingError } from '../../../core/registry/errors';
import { cliContext, print } from '../context';

export function register(program: Command): void {
  program
    .command('serve')
    .description('run the Lading app in your browser (http://127.0.0.1, secret URL printed first)')
    .option('--port <port>', 'port to listen on (default: any free port)')
    .action(async (opts: { port?: string }) => {
      const port = opts.port === undefined ? undefined : Number(opts.port);
      if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
        throw new LadingError(
          'invalid-input',
          `--port must be a number from 0 to 65535, not "${opts.port}".`,
        );
      }
      const { signal, io } = cliContext();
      // Loaded here, not at start-up: the bridge (HTTP server, WebSocket, services) costs every other
      // command ~16 MB of memory and start-up time it does not need.
      const { runBridge } = await import('../../bridge/run');
      const bridge = await runBridge({ port, env: io.env });
      print(bridge.url);
      io.stderr('Lading is running in your browser at the URL above. Press Ctrl+C to stop.\n');
      if (bridge.secretStorage === 'encrypted-file') io.stderr(`${fileStoreNote()}\n`);
      // Ctrl-C aborts the CLI's signal; SIGTERM (service managers, `kill`) stops the same way, so the
      // temp files of uploads and downloads are removed either way.
      let onTerm = () => {};
      await new Promise<void>((resolve) => {
        onTerm = resolve;
        process.once('SIGTERM', onTerm);
        if (signal.aborted) resolve();
        else signal.addEventListener('abort', () => resolve(), { once: true });
      });
      process.off('SIGTERM', onTerm);
      await bridge.stop();
    });
}
