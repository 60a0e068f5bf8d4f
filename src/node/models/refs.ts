// How the service reads a model reference (a path, a catalog id, a name `rightsize models` found)
// and the context a request sizes it at.
import type { ModelList } from '../../shared/schema';
import { UserFacingError } from '../user-error';
import type { ResolvedModel } from './resolve';

export const looksLikePath = (ref: string): boolean => /[\\/]/.test(ref) || ref.toLowerCase().endsWith('.gguf');

/** A discovered model by Ollama name, display name, then part of the display name. */
export function findDiscovered(models: ModelList['models'], ref: string): ModelList['models'][number] | undefined {
  const wanted = ref.toLowerCase();
  return (
    models.find((m) => m.ollamaName?.toLowerCase() === wanted) ??
    models.find((m) => m.displayName.toLowerCase() === wanted) ??
    models.find((m) => m.displayName.toLowerCase().includes(wanted))
  );
}

/** The context asked for, or the default capped at the model's maximum; beyond the maximum is the user's mistake. */
export function contextFor(resolved: ResolvedModel, requested: number | undefined, fallback: number): number {
  const max = resolved.sizable.maxContext;
  const contextTokens = requested ?? Math.min(fallback, max);
  if (contextTokens > max) {
    throw new UserFacingError(
      `A context of ${contextTokens} tokens is beyond this model's maximum context (${max}); choose ${max} or less.`,
      'bad-input',
    );
  }
  return contextTokens;
}
