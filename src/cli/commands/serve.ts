// `rightsize serve`: the web face: the app's UI in a browser, on 127.0.0.1 with a per-run token.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineCommand, UsageError } from '../command';
import { parseInteger } from '../args';

/** out/renderer, found from this module in out/main (or a chunk folder below it). */
function builtRendererDir(): string | null {
  for (const up of ['../', '../../']) {
    const dir = fileURLToPath(new URL(`${up}renderer/`, import.meta.url));
    if (existsSync(`${dir}index.html`)) return dir;
  }
  return null;
}

export const serveCommand = defineCommand({
  name: 'serve',
  summary: "The app's UI in your browser, on 127.0.0.1 only, with a token that is new each run.",
  options: { port: { type: 'string', value: 'N', help: 'Port (default: any free one).' } },
  async run({ values, io, service: makeService }) {
    const port = parseInteger('--port', values.port, 0, 0, 65535);
    const rendererDir = builtRendererDir();
    if (!rendererDir) throw new UsageError('The UI is not built (out/renderer/index.html is missing). Run `npm run build` first.');
    // A first launch calibrates itself in the background (RIGHTSIZE_NO_AUTO_PROBE=1 turns it off).
    const service = makeService({ backgroundRefresh: true, autoProbe: true });
    // Detect while the user opens the browser, so the first report is ready when the page asks; a
    // failure here is dropped because the page's own call meets it again and shows it.
    service.call('getHardware', {}).catch(() => undefined);
    service.call('listModels', {}).catch(() => undefined);
    const { startWebHost } = await import('../../web/server');
    const host = await startWebHost({ service, rendererDir, port });
    io.stdout(`rightsize web mode on 127.0.0.1 only. Open:\n  ${host.url}\n(the token in the URL is new each run; Ctrl+C stops)\n`);
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        service.dispose(); // a running benchmark's child stops with the host
        host.close().then(resolve, (error: unknown) => {
          io.stderr(`The web host did not close cleanly: ${(error as Error).message}\n`);
          resolve();
        });
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
});
