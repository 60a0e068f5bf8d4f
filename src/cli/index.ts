// The command line: one face over the service. Each command parses its options (declared once,
// in the command table, which also writes the help), calls the service and formats the answer.
import { createService, UserFacingError, type Service, type ServiceOptions } from '../node/service';
import { commandHelp, overviewHelp, parseCommandArgs, UsageError, type CliIO, type Command } from './command';
import { reportCommand, refreshCacheCommand } from './commands/report';
import { recommendCommand } from './commands/recommend';
import { hardwareCommand } from './commands/hardware';
import { estimateCommand } from './commands/estimate';
import { runCommandCommand } from './commands/run-command';
import { upgradeCommand } from './commands/upgrade';
import { measureCommand } from './commands/measure';
import { modelsCommand } from './commands/models';
import { benchCommand } from './commands/bench';
import { probeCommand } from './commands/probe';
import { historyCommand } from './commands/history';
import { profilesCommand } from './commands/profiles';
import { compareCommand } from './commands/compare';
import { planCommand } from './commands/plan';
import { finetuneCommand } from './commands/finetune';
import { presetsCommand } from './commands/presets';
import { serveCommand } from './commands/serve';
import { defineCommand } from './command';

export type { CliIO } from './command';

const versionCommand = defineCommand({
  name: 'version',
  summary: "rightsize's version, Node's, and the llama-bench it would compare with.",
  options: { json: { type: 'boolean', help: 'As JSON.' } },
  async run({ values, io, service }) {
    const version = await service({ backgroundRefresh: false }).call('getVersion', {});
    io.stdout(values.json ? `${JSON.stringify(version, null, 2)}\n` : `${version.app}\n`);
    return 0;
  },
});

const helpCommand = defineCommand({
  name: 'help',
  summary: "This list, or one command's options: rightsize help <command>.",
  args: '[command]',
  options: {},
  async run({ positionals, io }) {
    const name = positionals[0];
    if (name === undefined) {
      io.stdout(overviewHelp(COMMANDS));
      return 0;
    }
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) throw new UsageError(unknownCommand(name));
    io.stdout(commandHelp(command));
    return 0;
  },
});

/** Every command, in the order help lists them. */
export const COMMANDS: readonly Command[] = [
  reportCommand,
  recommendCommand,
  hardwareCommand,
  estimateCommand,
  runCommandCommand,
  upgradeCommand,
  measureCommand,
  modelsCommand,
  benchCommand,
  probeCommand,
  historyCommand,
  profilesCommand,
  compareCommand,
  planCommand,
  finetuneCommand,
  presetsCommand,
  serveCommand,
  versionCommand,
  helpCommand,
  refreshCacheCommand,
] as unknown as readonly Command[];

function unknownCommand(name: string): string {
  return `Unknown command "${name}". Commands: ${COMMANDS.filter((c) => !c.hidden)
    .map((c) => c.name)
    .join(', ')}.`;
}

export interface CliDeps {
  /** Makes the service a command talks to (tests pass a fake). */
  createService?: (options: ServiceOptions) => Service;
}

export async function main(argv: string[], io: CliIO, deps: CliDeps = {}): Promise<number> {
  const [name, ...rest] = argv;
  const services: Service[] = [];
  try {
    if (name === undefined) {
      io.stdout(overviewHelp(COMMANDS));
      return 2;
    }
    if (name === '--help' || name === '-h') return await main(['help', ...rest], io, deps);
    if (name === '--version') return await main(['version', ...rest], io, deps);
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) throw new UsageError(unknownCommand(name));
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout(commandHelp(command));
      return 0;
    }
    const { values, positionals } = parseCommandArgs(command, rest);
    const make = deps.createService ?? createService;
    return await command.run({
      values,
      positionals,
      io,
      service: (options = {}) => {
        const service = make({ face: 'cli', env: io.env ?? process.env, ...options });
        services.push(service);
        return service;
      },
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (error instanceof UsageError || error instanceof UserFacingError || code?.startsWith('ERR_PARSE_ARGS')) {
      const hint = name && COMMANDS.some((c) => c.name === name) ? `rightsize ${name} --help` : 'rightsize help';
      io.stderr(`rightsize: ${(error as Error).message}\nRun \`${hint}\` for usage.\n`);
      return 2;
    }
    io.stderr(`rightsize: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  } finally {
    for (const service of services) service.dispose();
  }
}
