// Electron cannot run here, so the main process's wiring is tested with small fakes of the
// objects it touches: the window options, the session's CSP, navigation, and every IPC handler.
import { describe, expect, it } from 'vitest';
import { EVENT_CHANNEL, HOST_API_METHODS, ipcChannel, type HostEvent } from '../../src/shared/api';
import { forwardHostEvents, makeSenderCheck, registerHostApi, type IpcEventLike } from '../../src/main/ipc';
import { CONTENT_SECURITY_POLICY as APP_CSP } from '../../src/shared/csp';
import { lockDownWebContents, secureSession, secureWebPreferences } from '../../src/main/security';
import { createService } from '../../src/node/service';
import { makeSnapshot } from '../helpers/hardware';

describe('Electron main wiring', () => {
  it('opens the window isolated, sandboxed and without Node', () => {
    const prefs = secureWebPreferences('/app/out/preload/index.cjs');
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
  });

  it('adds a strict CSP to every response and denies permissions', () => {
    let listener: ((d: { responseHeaders?: Record<string, string[] | string> }, cb: (r: { responseHeaders: Record<string, string[] | string> }) => void) => void) | null = null;
    let permission: ((wc: unknown, p: string, cb: (granted: boolean) => void) => void) | null = null;
    secureSession({
      webRequest: { onHeadersReceived: (l) => (listener = l) },
      setPermissionRequestHandler: (h) => (permission = h),
    });
    let headers: Record<string, string[] | string> = {};
    listener!({ responseHeaders: { 'X-A': ['1'] } }, (r) => (headers = r.responseHeaders));
    expect(headers['Content-Security-Policy']).toEqual([APP_CSP]);
    expect(APP_CSP).toContain("default-src 'none'");
    expect(APP_CSP).not.toContain('unsafe');
    let granted = true;
    permission!(null, 'geolocation', (g) => (granted = g));
    expect(granted).toBe(false);
  });

  it('denies navigation, redirects, webviews and new windows', () => {
    const handlers = new Map<string, (e: { preventDefault(): void }, url?: string) => void>();
    let openHandler: ((d: { url: string }) => { action: 'deny' }) | null = null;
    const opened: string[] = [];
    lockDownWebContents(
      {
        on: ((event: string, l: (e: { preventDefault(): void }, url?: string) => void) => handlers.set(event, l)) as never,
        setWindowOpenHandler: (h) => (openHandler = h),
      },
      (url) => opened.push(url),
    );
    for (const event of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      let prevented = false;
      handlers.get(event)!({ preventDefault: () => (prevented = true) }, 'https://evil.example');
      expect(prevented).toBe(true);
    }
    expect(openHandler!({ url: 'https://example.com/docs' })).toEqual({ action: 'deny' });
    expect(openHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://example.com/docs']);
  });

  it('wires every HostApi method, checks the sender and validates payloads', async () => {
    const handlers = new Map<string, (event: IpcEventLike, ...args: unknown[]) => Promise<unknown>>();
    const service = createService({ face: 'electron', detect: async () => makeSnapshot() });
    const check = makeSenderCheck(() => 7, ['file:///app/out/renderer/index.html']);
    registerHostApi({ handle: (channel, l) => handlers.set(channel, l) }, service, check);
    expect([...handlers.keys()].sort()).toEqual(HOST_API_METHODS.map(ipcChannel).sort());

    const ours: IpcEventLike = { sender: { id: 7 }, senderFrame: { url: 'file:///app/out/renderer/index.html' } };
    const otherWindow: IpcEventLike = { sender: { id: 8 }, senderFrame: { url: 'file:///app/out/renderer/index.html' } };
    const otherPage: IpcEventLike = { sender: { id: 7 }, senderFrame: { url: 'https://evil.example/' } };
    const getReport = handlers.get(ipcChannel('getReport'))!;

    const ok = (await getReport(ours, { contextTokens: 4096 })) as { ok: { settings: unknown } };
    expect(ok.ok.settings).toEqual({ contextTokens: 4096, kvType: 'f16' });
    for (const event of [otherWindow, otherPage]) {
      expect(await getReport(event, { contextTokens: 4096 })).toEqual({ error: { message: 'IPC refused: unknown sender.', code: 'untrusted-sender' } });
    }
    const bad = (await getReport(ours, { contextTokens: -1 })) as { error: { code: string } };
    expect(bad.error.code).toBe('invalid-input');
    const extra = (await getReport(ours, { contextTokens: 4096, __proto__x: 1 })) as { error: { code: string } };
    expect(extra.error.code).toBe('invalid-input');
  });

  it('pushes the service\'s events to the window on one channel, and stops when the window is gone', () => {
    const listeners = new Set<(e: HostEvent) => void>();
    const service = { onEvent: (l: (e: HostEvent) => void) => (listeners.add(l), () => listeners.delete(l)) };
    const sent: Array<[string, unknown]> = [];
    let destroyed = false;
    const stop = forwardHostEvents(service, () => ({ isDestroyed: () => destroyed, send: (channel, payload) => sent.push([channel, payload]) }));
    const event: HostEvent = { type: 'hardware', phase: 'refreshed', message: 'node-llama-cpp answered' };
    listeners.forEach((l) => l(event));
    expect(sent).toEqual([[EVENT_CHANNEL, event]]);
    destroyed = true;
    listeners.forEach((l) => l(event));
    expect(sent).toHaveLength(1);
    stop();
    expect(listeners.size).toBe(0);
  });
});
