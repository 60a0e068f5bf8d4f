// IPC wiring: one handler per HostApi method, each checking the sender and validating the
// payload with the shared schema (the service validates the output).
import { EVENT_CHANNEL, HOST_API_METHODS, HostEventSchema, ipcChannel, type HostError } from '../shared/api';
import { UserFacingError, type Service } from '../node/service';

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => Promise<unknown>): void;
}
export interface IpcEventLike {
  sender: { id: number };
  senderFrame: { url: string } | null;
}

/** Our page only: the main window's webContents, loading our own file or dev-server URL. */
export type SenderCheck = (event: IpcEventLike) => boolean;

export function makeSenderCheck(getWindowContentsId: () => number | null, allowedUrlPrefixes: string[]): SenderCheck {
  return (event) => {
    const id = getWindowContentsId();
    const url = event.senderFrame?.url ?? '';
    return id !== null && event.sender.id === id && allowedUrlPrefixes.some((prefix) => url.startsWith(prefix));
  };
}

export function registerHostApi(ipcMain: IpcMainLike, service: Service, isTrustedSender: SenderCheck): string[] {
  const channels: string[] = [];
  for (const method of HOST_API_METHODS) {
    const channel = ipcChannel(method);
    ipcMain.handle(channel, async (event, input) => {
      if (!isTrustedSender(event)) {
        const refused: HostError = { error: { message: 'IPC refused: unknown sender.', code: 'untrusted-sender' } };
        return refused;
      }
      try {
        return { ok: await service.call(method, input) };
      } catch (error) {
        const message = error instanceof UserFacingError ? error.message : `The app failed: ${(error as Error).message}`;
        const code = error instanceof UserFacingError ? error.code : 'internal';
        const failure: HostError = { error: { message, code } };
        return failure;
      }
    });
    channels.push(channel);
  }
  return channels;
}

export interface EventTargetLike {
  isDestroyed(): boolean;
  send(channel: string, payload: unknown): void;
}

/** Pushes the service's events (run progress, detection news) to the window; returns the unsubscribe. */
export function forwardHostEvents(service: Pick<Service, 'onEvent'>, target: () => EventTargetLike | null): () => void {
  return service.onEvent((event) => {
    const contents = target();
    if (!contents || contents.isDestroyed()) return;
    contents.send(EVENT_CHANNEL, HostEventSchema.parse(event));
  });
}
