// The command table's types and the one place options are parsed and help is written: every
// command declares its options once, with their help, and `rightsize help`, `rightsize <cmd>
// --help` and the parser all read that declaration.
import { parseArgs } from 'node:util';
import type { HostEvent } from '../shared/api';
import type { Service, ServiceOptions } from '../node/service';

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTTY: boolean;
  /** The environment the CLI runs in (colour, data folders); default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** The value's name in help, e.g. SIZE. */
  value?: string;
  help: string;
}

export interface CommandContext<O extends Record<string, OptionSpec>> {
  values: { [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : O[K]['multiple'] extends true ? string[] : string };
  positionals: string[];
  io: CliIO;
  /** The one service, created with what this command needs (e.g. waiting for node-llama-cpp). */
  service(options?: Partial<ServiceOptions>): Service;
}

export interface Command<O extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Positional arguments as shown in usage, e.g. "<file.gguf | catalog-id>". */
  args?: string;
  /** More about what it does, for `<cmd> --help`. */
  description?: string;
  options: O;
  hidden?: boolean;
  run(context: CommandContext<O>): Promise<number>;
}

/** Declares a command with its option types inferred. */
export const defineCommand = <O extends Record<string, OptionSpec>>(command: Command<O>): Command<O> => command;

/** A mistake in what the user typed; printed with a pointer to help, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseCommandArgs<O extends Record<string, OptionSpec>>(
  command: Command<O>,
  args: string[],
): { values: CommandContext<O>['values']; positionals: string[] } {
  const options = Object.fromEntries(
    Object.entries(command.options).map(([name, o]) => {
      // A one-letter option (llama-bench's -p, -n, -r, -o) is typed with one dash.
      const short = o.short ?? (name.length === 1 ? name : undefined);
      return [name, { type: o.type, ...(short ? { short } : {}), ...(o.multiple ? { multiple: true } : {}) }];
    }),
  );
  const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: command.args !== undefined });
  return { values: values as CommandContext<O>['values'], positionals };
}

function optionLabel(name: string, o: OptionSpec): string {
  const flag = name.length === 1 ? `-${name}` : `--${name}`;
  const short = o.short && o.short !== name ? `-${o.short}, ` : '';
  return `${short}${flag}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
}

export function commandHelp(command: Command): string {
  const lines = [
    `rightsize ${command.name}${command.args ? ` ${command.args}` : ''}${Object.keys(command.options).length ? ' [options]' : ''}`,
    '',
    `  ${command.summary}`,
  ];
  if (command.description) lines.push(...command.description.split('\n').map((l) => `  ${l}`));
  const entries = Object.entries(command.options);
  if (entries.length) {
    lines.push('', 'Options:');
    const labels = entries.map(([name, o]) => optionLabel(name, o));
    const width = Math.min(30, Math.max(...labels.map((l) => l.length)) + 2);
    entries.forEach(([, o], i) => {
      const label = labels[i] as string;
      lines.push(`  ${label.padEnd(width)}${label.length >= width ? `\n  ${' '.repeat(width)}` : ''}${o.help}`);
    });
  }
  return `${lines.join('\n')}\n`;
}

export function overviewHelp(commands: readonly Command[]): string {
  const shown = commands.filter((c) => !c.hidden);
  const width = Math.max(...shown.map((c) => c.name.length)) + 3;
  return [
    'rightsize: which models can I run here, at which size and precision, and how fast?',
    '',
    'Usage: rightsize <command> [options]      rightsize <command> --help for its options',
    '',
    'Commands:',
    ...shown.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
  ].join('\n');
}

/** Colour when writing to a terminal, unless NO_COLOR or --no-color says otherwise. */
export function useColor(values: { color?: boolean; 'no-color'?: boolean }, io: CliIO): boolean {
  return values['no-color'] ? false : Boolean(values.color ?? (io.isTTY && !(io.env ?? process.env).NO_COLOR));
}

/** Collects a run's events from before it starts, so an end that comes quickly is never missed. */
export function runEvents(service: Service): {
  next(runId: string): Promise<HostEvent & { type: 'run' }>;
  onProgress(fn: (e: HostEvent & { type: 'run' }) => void): void;
  close(): void;
} {
  const seen: Array<HostEvent & { type: 'run' }> = [];
  let waiter: { runId: string; resolve: (e: HostEvent & { type: 'run' }) => void } | null = null;
  let progress: ((e: HostEvent & { type: 'run' }) => void) | null = null;
  const unsubscribe = service.onEvent((event) => {
    if (event.type !== 'run') return;
    progress?.(event);
    if (event.run.state === 'running') return;
    if (waiter && waiter.runId === event.run.runId) waiter.resolve(event);
    else seen.push(event);
  });
  return {
    next: (runId) =>
      new Promise((resolve) => {
        const early = seen.find((e) => e.run.runId === runId);
        if (early) resolve(early);
        else waiter = { runId, resolve };
      }),
    onProgress: (fn) => {
      progress = fn;
    },
    close: unsubscribe,
  };
}
