// `rightsize compare A B [C D]`: saved profiles (or "this machine") side by side.
import { DEFAULT_CONTEXT_TOKENS } from '../../shared/defaults';
import { CompareResultSchema, MAX_COMPARED, MIN_COMPARED } from '../../shared/schema';
import { defineCommand, UsageError, useColor } from '../command';
import { COLOR_OPTIONS, CONTEXT_OPTIONS, JSON_OPTION, parseContext, parseKv } from '../args';
import { LADDER_OPTIONS, parseLadderChoice } from '../ladder-args';

export const compareCommand = defineCommand({
  name: 'compare',
  summary: 'Compare 2 to 4 saved profiles side by side: hardware, ladder, and each model at its best precision.',
  args: '<profile> <profile> [profile] [profile]',
  description:
    '"this machine" (quoted) is the detected machine. A model shows the best precision each machine runs at reading speed;\n* marks the machine that runs it best (highest precision, then fastest; all of them on a tie).',
  options: { ...JSON_OPTION, ...CONTEXT_OPTIONS, ...LADDER_OPTIONS, ...COLOR_OPTIONS },
  async run({ values, positionals, io, service: makeService }) {
    if (positionals.length < MIN_COMPARED || positionals.length > MAX_COMPARED)
      throw new UsageError(
        `Name ${MIN_COMPARED} to ${MAX_COMPARED} profiles (\`rightsize profiles list\`), e.g. rightsize compare "this machine" Desk.`,
      );
    const contextTokens = values.ctx !== undefined ? parseContext(values.ctx) : DEFAULT_CONTEXT_TOKENS;
    const kvType = parseKv(values.kv);
    const ladder = parseLadderChoice(values);
    const service = makeService({ backgroundRefresh: false });
    const result = await service.call('compareProfiles', { profiles: positionals, contextTokens, kvType, ...ladder });
    io.stdout(
      values.json
        ? `${JSON.stringify(CompareResultSchema.parse(result), null, 2)}\n`
        : `${(await import('../format/compare')).formatComparison(result, useColor(values, io))}\n`,
    );
    return 0;
  },
});
