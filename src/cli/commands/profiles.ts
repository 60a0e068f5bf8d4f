// `rightsize profiles`: saved hardware profiles. The service keeps them; this face reads and writes
// the export and import files itself and passes their content, never a path.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { MAX_PROFILE_IMPORT_CHARS, type WhatIf } from '../../shared/schema';
import type { Service } from '../../node/service';
import { defineCommand, UsageError, useColor, type CliIO } from '../command';
import { COLOR_OPTIONS, JSON_OPTION, parseWhatIf, WHAT_IF_OPTIONS } from '../args';

const USAGE = 'profiles list | save NAME | show NAME | rename OLD NEW | delete NAME | export NAME FILE | import FILE';
/** Each action and the positional arguments it takes after its name. */
const ARITY: Record<string, number> = { list: 0, save: 1, show: 1, rename: 2, delete: 1, export: 2, import: 1 };

function printJson(io: CliIO, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

function readImportFile(file: string): string {
  let bytes: number;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new UsageError(`${file} is not a file.`);
    bytes = stat.size;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`Cannot read ${file}: ${(error as Error).message}`);
  }
  // Checked before reading, so a huge file is refused without being loaded.
  if (bytes > MAX_PROFILE_IMPORT_CHARS * 4)
    throw new UsageError(`${file} is ${bytes} bytes; a profile export is at most ${MAX_PROFILE_IMPORT_CHARS / 1024} KiB.`);
  return readFileSync(file, 'utf8');
}

function writeExportFile(file: string, text: string, force: boolean): void {
  try {
    writeFileSync(file, text, { flag: force ? 'w' : 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`${file} exists; add --force to replace it.`);
    throw new UsageError(`Cannot write ${file}: ${(error as Error).message}`);
  }
}

async function save(service: Service, name: string, whatIf: WhatIf | undefined, overwrite: boolean) {
  return service.call('saveProfile', { name, from: whatIf ? { whatIf } : 'detected', overwrite });
}

export const profilesCommand = defineCommand({
  name: 'profiles',
  summary: 'Saved hardware profiles: this machine, what-if machines, imported ones. --profile NAME sizes for one.',
  args: '[list | save NAME | show NAME | rename OLD NEW | delete NAME | export NAME FILE | import FILE]',
  description:
    'With no action it lists them. save NAME keeps this machine (its hardware, calibration and benchmarks); with --vram/--ram/--gpu it keeps a what-if\nmachine instead. report and estimate take --profile NAME. Profiles are shared with the app and the web mode.',
  options: {
    ...JSON_OPTION,
    force: { type: 'boolean', help: 'save, import: replace a profile of the same name; export: replace FILE.' },
    name: { type: 'string', value: 'NAME', help: 'import: save under this name instead of the one in the file.' },
    ...WHAT_IF_OPTIONS,
    ...COLOR_OPTIONS,
  },
  async run({ values, positionals, io, service: makeService }) {
    // `rightsize profiles` alone lists them, as `git branch` or `docker ps` would.
    const [action = 'list', ...args] = positionals;
    if (!Object.hasOwn(ARITY, action)) throw new UsageError(`Use: rightsize ${USAGE}.`);
    if (args.length !== ARITY[action]) throw new UsageError(`Use: rightsize ${USAGE}.`);
    const whatIf = parseWhatIf(values);
    if (whatIf && action !== 'save') throw new UsageError('--vram, --ram and --gpu go with `profiles save NAME` only.');
    const [first, second] = args as [string, string];
    const service = makeService({ backgroundRefresh: false });
    const format = () => import('../format/profiles');
    const color = useColor(values, io);
    const force = values.force ?? false;

    if (action === 'list') {
      const list = await service.call('listProfiles', {});
      if (list.problem) io.stderr(`! ${list.problem}\n`);
      if (values.json) printJson(io, list);
      else io.stdout(`${(await format()).formatProfileList(list.profiles, color)}\n`);
      return 0;
    }
    if (action === 'export') {
      const document = await service.call('exportProfile', { name: first });
      writeExportFile(second, `${JSON.stringify(document, null, 2)}\n`, force);
      if (values.json) printJson(io, { exported: document.profile.name, file: second });
      else io.stdout(`Exported "${document.profile.name}" to ${second}.\n`);
      return 0;
    }
    if (action === 'delete') {
      const { deleted } = await service.call('deleteProfile', { name: first });
      if (values.json) printJson(io, { deleted });
      else io.stdout(`Deleted profile "${deleted}".\n`);
      return 0;
    }
    const profile =
      action === 'save'
        ? await save(service, first, whatIf, force)
        : action === 'rename'
          ? await service.call('renameProfile', { from: first, to: second })
          : action === 'import'
            ? await service.call('importProfile', {
                document: readImportFile(first),
                overwrite: force,
                ...(values.name !== undefined ? { name: values.name } : {}),
              })
            : await service.call('getProfile', { name: first });
    if (values.json) printJson(io, profile);
    else {
      const done = { save: 'Saved', rename: 'Renamed to', import: 'Imported', show: '' }[action] ?? '';
      io.stdout(`${done ? `${done} "${profile.name}".\n` : ''}${(await format()).formatProfile(profile, color)}\n`);
    }
    return 0;
  },
});
