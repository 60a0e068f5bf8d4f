// Long documents are read whole before the first word of the answer: how long a rung waits for a prompt that fills
// its context, which rated models the long-docs ladder holds back for it, and what a note says where it is unknown.
import { PROMPT_TOKENS } from '../shared/defaults';
import { LONG_DOCS_MAX_PROMPT_SECONDS } from '../shared/ladder';
import { promptUnknownPredicate } from '../shared/source-words';
import type { LadderStep, ReportRow } from '../shared/schema';
import { formatContext, formatWait } from '../shared/units';

/** A rated model with the row it would run as. */
interface Rated {
  model: { name: string };
  row: ReportRow;
}

/** The wait before the first token when the prompt fills the context, as a sentence (empty where not estimated). */
export const fullPromptNote = (row: ReportRow): string =>
  row.fullPromptSeconds
    ? ` A prompt that fills its ${row.contextTokens}-token context takes ~${formatWait(row.fullPromptSeconds)} to read before the first token.`
    : '';

/**
 * How many prompt tokens a row reads within `seconds`, rounded down to a whole 1,024 (at least 512): the wait grows as
 * a·n + b·n² (the weights once per token, attention over the prompt so far), through its pp512 and its full-context wait.
 */
function tokensWithin(row: ReportRow, seconds: number): number | null {
  const [n1, n2] = [PROMPT_TOKENS, row.contextTokens];
  if (!row.promptTokPerSec || !row.fullPromptSeconds || n2 <= n1) return null;
  const [t1, t2] = [n1 / row.promptTokPerSec, row.fullPromptSeconds];
  const b = Math.max(0, (t2 / n2 - t1 / n1) / (n2 - n1));
  const a = t1 / n1 - b * n1;
  const n = b > 0 ? (-a + Math.sqrt(a * a + 4 * b * seconds)) / (2 * b) : seconds / a;
  if (!(n > 0) || n >= n2) return null;
  return n < 1024 ? (n >= 512 ? 512 : null) : Math.floor(n / 1024) * 1024;
}

/**
 * Long documents: keep the rated models that read a prompt filling the context within the limit, where some do and
 * others do not, and say which were held back; where none does, keep them all and say what the quickest takes.
 */
export function quickReaders<C extends Rated>(rated: C[], contextTokens: number | undefined, notes: string[]): C[] {
  const wait = (c: C): number => c.row.fullPromptSeconds ?? 0;
  const slow = rated.filter((c) => wait(c) > LONG_DOCS_MAX_PROMPT_SECONDS);
  if (slow.length === 0) return rated;
  const context = `a prompt that fills the ${contextTokens ?? slow[0]?.row.contextTokens}-token context`;
  const quick = rated.filter((c) => !slow.includes(c));
  if (quick.length === 0) {
    const quickest = slow.reduce((a, b) => (wait(b) < wait(a) ? b : a));
    const within = tokensWithin(quickest.row, LONG_DOCS_MAX_PROMPT_SECONDS);
    notes.push(
      `Every rated model that runs here takes more than ${LONG_DOCS_MAX_PROMPT_SECONDS} s to read ${context} (the quickest, ${quickest.model.name}, ~${formatWait(wait(quickest))}): expect that wait before each answer, or choose a shorter context${within ? ` (in ${LONG_DOCS_MAX_PROMPT_SECONDS} s it reads about ${formatContext(within)} tokens here)` : ''}.`,
    );
    return rated;
  }
  const named = slow.slice(0, 4).map((c) => `${c.model.name} ~${formatWait(wait(c))}`);
  notes.push(
    `Held back for long documents: ${named.join(', ')}${slow.length > named.length ? ', ...' : ''} to read ${context}, over the ${LONG_DOCS_MAX_PROMPT_SECONDS} s the start and the step up may take.`,
  );
  return quick;
}

/** Long documents: where a rung's wait for a full context is not estimated, say what would estimate it. */
export function unknownWaitNotes(steps: Array<LadderStep | null>, planned: boolean): string[] {
  const unknown = steps.filter((s): s is LadderStep => s !== null && s.fullPromptSeconds === undefined);
  // One note per reason, naming the rungs it holds for.
  const byReason = new Map<string, string[]>();
  for (const step of unknown) {
    const predicate = promptUnknownPredicate(step, planned);
    if (!predicate) continue;
    const names = byReason.get(predicate) ?? [];
    if (!names.includes(step.name)) names.push(step.name);
    byReason.set(predicate, names);
  }
  return [...byReason].map(
    ([predicate, names]) => `How long ${names.join(' and ')} take${names.length === 1 ? 's' : ''} to read a full context ${predicate}.`,
  );
}
