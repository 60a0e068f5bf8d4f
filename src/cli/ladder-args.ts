// The ladder's flags (--task, --priority, --benchmark, --min-tps), shared by `recommend` and `compare`: each
// mistake is refused before the service is asked, with the choices there are.
import { DEFAULT_PRIORITY, DEFAULT_TASK, PRIORITIES, TASK_SCALES, TASKS, type Priority, type Task } from '../shared/ladder';
import { UsageError, type OptionSpec } from './command';

export const LADDER_OPTIONS = {
  task: { type: 'string', value: 'T', help: `What the model is for: ${TASKS.join(', ')} (default ${DEFAULT_TASK}).` },
  priority: { type: 'string', value: 'P', help: `${PRIORITIES.join(', ')} (default ${DEFAULT_PRIORITY}).` },
  benchmark: {
    type: 'string',
    value: 'B',
    help: "Which of the task's benchmarks judges the models, e.g. MMLU-Pro for chat (default: the task's first).",
  },
  'min-tps': {
    type: 'string',
    value: 'N',
    help: "Least generation speed of the start and the step up, tok/s (default: the priority's).",
  },
} as const satisfies Record<string, OptionSpec>;

/** The request schemas' bound, said in the flag's words. */
const MAX_MIN_TPS = 10_000;

/** --min-tps: a speed above 0 and at most the schemas' bound; absent = undefined. */
export function parseMinTps(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\s*\d+(\.\d+)?\s*$/.test(text) || !(n > 0) || n > MAX_MIN_TPS)
    throw new UsageError(`--min-tps "${text}" must be a number of tokens per second above 0 and at most ${MAX_MIN_TPS} (e.g. 10).`);
  return n;
}

function parseChoice<T extends string>(flag: string, text: string | undefined, choices: readonly T[], fallback: T): T {
  if (text === undefined) return fallback;
  const value = text.trim().toLowerCase();
  if (!(choices as readonly string[]).includes(value)) throw new UsageError(`--${flag} "${text}" is not one of ${choices.join(', ')}.`);
  return value as T;
}

/** --benchmark, any case, as the task names it; absent = the task's default. */
function parseBenchmark(text: string | undefined, task: Task): string | undefined {
  if (text === undefined) return undefined;
  const names = TASK_SCALES[task].scales.map((s) => s.benchmark);
  const found = names.find((n) => n.toLowerCase() === text.trim().toLowerCase());
  if (!found) throw new UsageError(`--benchmark "${text}": ${task} is judged by ${names.join(' or ')}.`);
  return found;
}

/** The ladder asked for by the flags: a task and priority (defaults filled), a benchmark and a speed where given. */
export function parseLadderChoice(values: { task?: string; priority?: string; benchmark?: string; 'min-tps'?: string }): {
  task: Task;
  priority: Priority;
  benchmark?: string;
  minTokPerSec?: number;
} {
  const task: Task = parseChoice('task', values.task, TASKS, DEFAULT_TASK);
  const priority: Priority = parseChoice('priority', values.priority, PRIORITIES, DEFAULT_PRIORITY);
  const benchmark = parseBenchmark(values.benchmark, task);
  const minTokPerSec = parseMinTps(values['min-tps']);
  return { task, priority, ...(benchmark !== undefined ? { benchmark } : {}), ...(minTokPerSec !== undefined ? { minTokPerSec } : {}) };
}
