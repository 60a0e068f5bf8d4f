// The bridge the sandboxed page gets: one function per HostApi method, validating what it sends
// and what it gets back with the shared schemas, and onEvent for what main pushes. The page never
// sees ipcRenderer.
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import {
  EVENT_CHANNEL,
  HOST_API_METHODS,
  HostApiSchemas,
  HostErrorSchema,
  HostEventSchema,
  ipcChannel,
  type HostApi,
  type HostApiMethod,
  type HostEventListener,
} from '../shared/api';

function bridge(method: HostApiMethod) {
  return async (input: unknown): Promise<unknown> => {
    const request = HostApiSchemas[method].input.parse(input ?? {});
    const reply: unknown = await ipcRenderer.invoke(ipcChannel(method), request);
    const failure = HostErrorSchema.safeParse(reply);
    if (failure.success) throw new Error(failure.data.error.message);
    return HostApiSchemas[method].output.parse((reply as { ok: unknown }).ok);
  };
}

function onEvent(listener: HostEventListener): () => void {
  const handler = (_event: IpcRendererEvent, payload: unknown): void => {
    const parsed = HostEventSchema.safeParse(payload);
    if (parsed.success) listener(parsed.data);
  };
  ipcRenderer.on(EVENT_CHANNEL, handler);
  return () => {
    ipcRenderer.removeListener(EVENT_CHANNEL, handler);
  };
}

const api = { ...Object.fromEntries(HOST_API_METHODS.map((m) => [m, bridge(m)])), onEvent } as unknown as HostApi;
contextBridge.exposeInMainWorld('rightsize', api);
// A dropped file's path, so the page can ask the host to size it (the page itself never reads files).
contextBridge.exposeInMainWorld('rightsizeFiles', { pathFor: (file: File): string => webUtils.getPathForFile(file) });
