// Which host this page talks to: Electron's preload bridge (window.rightsize) or, in a browser,
// the local web host over HTTP with the per-run token. Both validate with the shared schemas.
import {
  HOST_API_METHODS,
  HostApiSchemas,
  HostErrorSchema,
  HostEventSchema,
  type HostApi,
  type HostApiMethod,
  type HostEventListener,
} from '../../shared/api';

declare global {
  interface Window {
    rightsize?: HostApi;
  }
}

const TOKEN_KEY = 'rightsize.token';

/** Takes the token from the URL fragment once, then hides it from the address bar. */
function readToken(): string | null {
  const match = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(window.location.hash);
  if (match?.[1]) {
    sessionStorage.setItem(TOKEN_KEY, match[1]);
    history.replaceState(null, '', window.location.pathname + window.location.search);
    return match[1];
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

class HostCallError extends Error {}

/** Waits before reconnecting a dropped event stream (the host restarting, a laptop waking up). */
const RECONNECT_MS = 2000;

/**
 * The host's events over Server-Sent Events. fetch rather than EventSource, so the token travels
 * in the Authorization header like every other call, never in a URL. One stream for all listeners.
 */
function httpEvents(token: string | null): (listener: HostEventListener) => () => void {
  const listeners = new Set<HostEventListener>();
  let controller: AbortController | null = null;
  const dispatch = (block: string): void => {
    const data = block
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trimStart())
      .join('\n');
    if (!data) return;
    try {
      const parsed = HostEventSchema.safeParse(JSON.parse(data));
      if (parsed.success) for (const listener of listeners) listener(parsed.data);
    } catch {
      // not JSON: ignore this block, keep the stream
    }
  };
  const connect = async (signal: AbortSignal): Promise<void> => {
    while (!signal.aborted) {
      try {
        const response = await fetch('/api/events', { headers: { Authorization: `Bearer ${token ?? ''}` }, signal });
        if (!response.ok || !response.body) throw new Error(`events: ${response.status}`);
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end = buffer.indexOf('\n\n');
          while (end >= 0) {
            dispatch(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
            end = buffer.indexOf('\n\n');
          }
        }
      } catch {
        // dropped or refused: try again shortly, unless nobody listens any more
      }
      if (!signal.aborted) await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
    }
  };
  return (listener) => {
    listeners.add(listener);
    if (!controller) {
      controller = new AbortController();
      // connect catches every failure and retries until aborted, so it never rejects.
      void connect(controller.signal);
    }
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && controller) {
        controller.abort();
        controller = null;
      }
    };
  };
}

function httpHost(token: string | null): HostApi {
  const call = (method: HostApiMethod) => async (input: unknown) => {
    const body = JSON.stringify(HostApiSchemas[method].input.parse(input ?? {}));
    const response = await fetch(`/api/${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token ?? ''}` },
      body,
    });
    const json: unknown = await response.json().catch(() => null);
    const failure = HostErrorSchema.safeParse(json);
    if (!response.ok || failure.success) {
      throw new HostCallError(failure.success ? failure.data.error.message : `The host answered ${response.status}.`);
    }
    return HostApiSchemas[method].output.parse(json);
  };
  return { ...Object.fromEntries(HOST_API_METHODS.map((m) => [m, call(m)])), onEvent: httpEvents(token) } as unknown as HostApi;
}

export function connectHost(): HostApi {
  return window.rightsize ?? httpHost(readToken());
}
