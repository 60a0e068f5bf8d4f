// planPool: each named machine's hardware (a saved profile's, or this machine's), then the core's
// layer split over the pool, for the model asked and for every catalog model at Q4_K_M.
import type { z } from 'zod';
import type { HostApiSchemas } from '../shared/api';
import { isThisMachine, type HardwareSnapshot, type PoolResult } from '../shared/schema';
import { LINK_PRESETS, planPool as planOnPool, poolCommands, slowerThanSmaller, type PoolLink, type PoolMachine } from '../core/pool';
import { catalogModelAt } from '../core/report';
import { loadCatalog } from './resources';
import { asUserError, UserFacingError } from './user-error';

type SizingFor = (profile: string | undefined) => Promise<{ snapshot: HardwareSnapshot; profileName: string | null }>;

/** Every catalog model is listed at the precision most people run. */
const SUMMARY_QUANT = 'Q4_K_M';

export async function planPool(request: z.output<typeof HostApiSchemas.planPool.input>, sizingFor: SizingFor): Promise<PoolResult> {
  const catalog = loadCatalog();
  const entry = catalog.find((m) => m.id === request.model.toLowerCase());
  if (!entry)
    throw new UserFacingError(`"${request.model}" is not a catalog model id; \`rightsize models --catalog\` lists them.`, 'bad-input');
  const machines: PoolMachine[] = await Promise.all(
    request.profiles.map(async (name) => {
      const { snapshot, profileName } = await sizingFor(isThisMachine(name) ? undefined : name);
      const shown = profileName ?? 'This machine';
      // The --rpc address is the machine's own; the profile name stands in for it in the printed command.
      return { name: shown, host: shown.replace(/\s+/g, '-'), hardware: snapshot };
    }),
  );
  const linkName = typeof request.link === 'string' ? request.link : null;
  const link: PoolLink =
    typeof request.link === 'string'
      ? LINK_PRESETS[request.link]
      : { bytesPerSec: request.link.bytesPerSec, latencySeconds: request.link.latencyMs / 1000 };
  return asUserError(() => {
    const model = catalogModelAt(entry, request.quant);
    const contextTokens = Math.min(request.contextTokens, model.maxContext);
    const plan = planOnPool(machines, model, contextTokens, request.kvType, link);
    const smaller = planOnPool(machines.slice(0, -1), model, contextTokens, request.kvType, link);
    const models = catalog.map((m) => {
      const at = catalogModelAt(m, SUMMARY_QUANT);
      const p = planOnPool(machines, at, Math.min(request.contextTokens, at.maxContext), request.kvType, link);
      return { modelId: m.id, name: m.name, fits: p.fits, tokPerSec: p.tokPerSec };
    });
    return {
      model: { modelId: entry.id, name: entry.name, quant: request.quant },
      settings: { contextTokens, kvType: request.kvType },
      link: { name: linkName, ...link },
      plan,
      slowerThanSmaller: slowerThanSmaller(plan, smaller),
      commands: poolCommands(machines, plan, contextTokens),
      models,
    };
  });
}
