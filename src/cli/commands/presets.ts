// `rightsize presets [gpus|machines]`: the GPU and whole-machine presets a what-if can name.
import { defineCommand, UsageError, useColor } from '../command';
import { COLOR_OPTIONS, JSON_OPTION } from '../args';

const KINDS = ['gpus', 'machines'] as const;
type Kind = (typeof KINDS)[number];

export const presetsCommand = defineCommand({
  name: 'presets',
  summary: 'GPU and whole-machine presets for what-if plans (--gpu NAME, --machine ID), each with its source.',
  args: '[gpus|machines] [filter]',
  description:
    'A filter keeps the rows whose name or id holds it (case-insensitive), e.g. `rightsize presets gpus 3090`.\nUse a GPU\'s name with --gpu ("2x NAME" for two cards) and a machine\'s id with --machine.',
  options: { ...JSON_OPTION, ...COLOR_OPTIONS },
  async run({ values, positionals, io, service }) {
    const [first, ...rest] = positionals;
    const kind = KINDS.find((k) => k === first);
    if (first !== undefined && !kind && rest.length > 0)
      throw new UsageError(`"${first}" is not gpus or machines: \`rightsize presets gpus\` or \`rightsize presets machines\`.`);
    const filter = (kind ? rest : positionals).join(' ').trim().toLowerCase();
    const list = await service({ backgroundRefresh: false }).call('listPresets', {});
    const keep = <T extends { id: string; name: string }>(rows: T[]): T[] =>
      filter ? rows.filter((r) => r.id.toLowerCase().includes(filter) || r.name.toLowerCase().includes(filter)) : rows;
    const shown: Record<Kind, boolean> = { gpus: kind !== 'machines', machines: kind !== 'gpus' };
    const answer = { gpus: shown.gpus ? keep(list.gpus) : [], machines: shown.machines ? keep(list.machines) : [] };
    io.stdout(
      values.json
        ? `${JSON.stringify(answer, null, 2)}\n`
        : `${(await import('../format/presets')).formatPresets(answer, shown, filter, useColor(values, io))}\n`,
    );
    return 0;
  },
});
