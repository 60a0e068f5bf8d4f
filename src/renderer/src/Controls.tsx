import { useState } from 'react';
import { KV_TYPES, type KvType } from '../../shared/precision';
import { formatContext, GiB } from '../../shared/units';
import type { Settings } from './App';

export interface Filters {
  family: string;
  minParamsB: number;
  maxParamsB: number;
  text: string;
  /** Only models with a published score on the ladder's benchmark. */
  ratedOnly: boolean;
}

const CONTEXTS = [2048, 4096, 8192, 16384, 32768, 65536, 131072];
const SIZE_STEPS = [0, 1, 3, 8, 15, 35, 75, 150, Infinity];
const sizeLabel = (b: number): string => (b === Infinity ? 'any' : `${b}B`);

export function Controls(props: {
  settings: Settings;
  onSettings: (s: Settings) => void;
  filters: Filters;
  onFilters: (f: Filters) => void;
  families: string[];
}): React.JSX.Element {
  const { settings, onSettings, filters, onFilters, families } = props;
  const [vram, setVram] = useState('');
  const [ram, setRam] = useState('');
  const [gpu, setGpu] = useState('');
  const [whatIfError, setWhatIfError] = useState<string | null>(null);

  const applyWhatIf = (): void => {
    const whatIf: NonNullable<Settings['whatIf']> = {};
    const parse = (label: string, text: string, allowZero: boolean): number | undefined => {
      if (text.trim() === '') return undefined;
      const n = Number(text);
      if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0) || n > 100000) throw new Error(`${label}: enter a size in GiB, e.g. 12`);
      return Math.round(n * GiB);
    };
    try {
      const v = parse('VRAM', vram, true);
      const r = parse('RAM', ram, false);
      if (v !== undefined) whatIf.vramBytes = v;
      if (r !== undefined) whatIf.ramBytes = r;
      if (gpu.trim()) whatIf.gpuName = gpu.trim();
      setWhatIfError(null);
      onSettings({ ...settings, whatIf: Object.keys(whatIf).length ? whatIf : null });
    } catch (e) {
      setWhatIfError((e as Error).message);
    }
  };

  return (
    <form className="controls" onSubmit={(e) => e.preventDefault()} aria-label="Report settings">
      <label>
        Context
        <select
          data-testid="ctx"
          value={settings.contextTokens}
          onChange={(e) => onSettings({ ...settings, contextTokens: Number(e.target.value) })}
        >
          {CONTEXTS.map((c) => (
            <option key={c} value={c}>
              {formatContext(c)}
            </option>
          ))}
        </select>
      </label>
      <label>
        KV cache
        <select data-testid="kv" value={settings.kvType} onChange={(e) => onSettings({ ...settings, kvType: e.target.value as KvType })}>
          {KV_TYPES.map((k) => (
            <option key={k}>{k}</option>
          ))}
        </select>
      </label>
      <label>
        Family
        <select data-testid="family" value={filters.family} onChange={(e) => onFilters({ ...filters, family: e.target.value })}>
          <option value="all">all</option>
          {families.map((f) => (
            <option key={f}>{f}</option>
          ))}
        </select>
      </label>
      <label>
        Size
        <select
          data-testid="min-size"
          value={filters.minParamsB}
          onChange={(e) => onFilters({ ...filters, minParamsB: Number(e.target.value) })}
        >
          {SIZE_STEPS.filter((s) => s !== Infinity).map((s) => (
            <option key={s} value={s}>
              {s === 0 ? 'from 0' : `from ${s}B`}
            </option>
          ))}
        </select>
        <select
          data-testid="max-size"
          value={filters.maxParamsB === Infinity ? 'any' : filters.maxParamsB}
          onChange={(e) => onFilters({ ...filters, maxParamsB: e.target.value === 'any' ? Infinity : Number(e.target.value) })}
        >
          {SIZE_STEPS.filter((s) => s !== 0).map((s) => (
            <option key={s} value={s === Infinity ? 'any' : s}>
              to {sizeLabel(s)}
            </option>
          ))}
        </select>
      </label>
      <label>
        Search
        <input
          data-testid="search"
          type="search"
          value={filters.text}
          placeholder="model name"
          onChange={(e) => onFilters({ ...filters, text: e.target.value })}
        />
      </label>
      <label title="Only models with a published score on the benchmark the ladder is judged by">
        <input
          data-testid="rated-only"
          type="checkbox"
          checked={filters.ratedOnly}
          onChange={(e) => onFilters({ ...filters, ratedOnly: e.target.checked })}
        />{' '}
        Rated only
      </label>
      <fieldset className="whatif">
        <legend>What-if</legend>
        <input
          aria-label="VRAM GiB"
          data-testid="whatif-vram"
          inputMode="decimal"
          placeholder="VRAM GiB"
          value={vram}
          onChange={(e) => setVram(e.target.value)}
        />
        <input
          aria-label="RAM GiB"
          data-testid="whatif-ram"
          inputMode="decimal"
          placeholder="RAM GiB"
          value={ram}
          onChange={(e) => setRam(e.target.value)}
        />
        <input
          aria-label="GPU name"
          data-testid="whatif-gpu"
          placeholder="GPU, e.g. RTX 4090"
          value={gpu}
          onChange={(e) => setGpu(e.target.value)}
        />
        <button type="button" data-testid="whatif-apply" onClick={applyWhatIf}>
          Plan
        </button>
        {settings.whatIf && (
          <button
            type="button"
            onClick={() => {
              setVram('');
              setRam('');
              setGpu('');
              onSettings({ ...settings, whatIf: null });
            }}
          >
            This machine
          </button>
        )}
        {whatIfError && <span className="warn">{whatIfError}</span>}
      </fieldset>
    </form>
  );
}
