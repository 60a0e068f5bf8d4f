// The ladder's flags (--task, --priority, --benchmark), shared by `recommend` and `compare`: each
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
} as const satisfies Record<string, OptionSpec>;

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

/** The ladder asked for by the flags: a task and priority (defaults filled), and a benchmark where one was named. */
export function parseLadderChoice(values: { task?: string; priority?: string; benchmark?: string }): {
  task: Task;
  priority: Priority;
  benchmark?: string;
} {
  const task: Task = parseChoice('task', values.task, TASKS, DEFAULT_TASK);
  const priority: Priority = parseChoice('priority', values.priority, PRIORITIES, DEFAULT_PRIORITY);
  const benchmark = parseBenchmark(values.benchmark, task);
  return { task, priority, ...(benchmark !== undefined ? { benchmark } : {}) };
}
