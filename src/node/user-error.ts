// Errors a user can act on, kept apart from bugs: every face shows a UserFacingError's message as
// it is and anything else as an internal error.
import { GgufError } from '../core/gguf-types';
import { ReportInputError } from '../core/report';
import { ModelArgError } from './models/resolve';

/** A failure the user can act on; hosts show its message as it is. */
export class UserFacingError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'UserFacingError';
  }
}

/** Turns errors from user input into UserFacingError; anything else stays a bug. */
export async function asUserError<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof UserFacingError) throw error;
    if (error instanceof ModelArgError || error instanceof GgufError || error instanceof ReportInputError)
      throw new UserFacingError(error.message, 'bad-input');
    throw error;
  }
}

/** Longest piece of caller-given text echoed back in an error message. */
const MAX_ECHOED_CHARS = 200;
export const clip = (text: string): string => (text.length > MAX_ECHOED_CHARS ? `${text.slice(0, MAX_ECHOED_CHARS)}...` : text);

/** A run id that is unknown here is the caller's mistake, not a bug. */
export function rethrowAsUser(error: unknown): never {
  if (error instanceof UserFacingError) throw error;
  throw new UserFacingError((error as Error).message, 'not-found');
}
