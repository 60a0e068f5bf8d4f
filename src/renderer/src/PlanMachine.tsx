// "Plan a machine…": a what-if profile built from the shipped presets (a whole machine, or one or
// more GPUs with a count each) and a RAM size, saved like any profile so the report, the comparison
// and the pool can size for it.
import { useEffect, useId, useState } from 'react';
import type { HostApi } from '../../shared/api';
import type { PresetList, WhatIf } from '../../shared/schema';
import { formatBytes, GiB } from '../../shared/units';

/** The what-if schema takes at most 8 GPU rows; a row holds 1 to 8 identical cards. */
const MAX_GPU_ROWS = 8;
const MAX_COUNT = 8;

interface GpuRow {
  /** A GPU preset's name, or '' while none is chosen. */
  name: string;
  count: string;
}

const gpuOptionText = (g: PresetList['gpus'][number]): string =>
  g.vramBytes === null ? `${g.name} (shares RAM)` : `${g.name} (${formatBytes(g.vramBytes)})`;

export function PlanMachine({
  host,
  onSaved,
  onCancel,
}: {
  host: HostApi;
  onSaved: (name: string) => void;
  onCancel: () => void;
}): React.JSX.Element {
  const headingId = useId();
  const nameId = useId();
  const machineId = useId();
  const ramId = useId();
  const [presets, setPresets] = useState<PresetList | null>(null);
  const [name, setName] = useState('');
  const [machine, setMachine] = useState('');
  const [rows, setRows] = useState<GpuRow[]>([{ name: '', count: '1' }]);
  const [ram, setRam] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let gone = false;
    host.listPresets({}).then(
      (list) => {
        if (!gone) setPresets(list);
      },
      (e: unknown) => {
        if (!gone) setError((e as Error).message);
      },
    );
    return () => {
      gone = true;
    };
  }, [host]);

  const vendors = [...new Set(presets?.gpus.map((g) => g.vendor) ?? [])];
  const setRow = (index: number, change: Partial<GpuRow>): void =>
    setRows((now) => now.map((row, i) => (i === index ? { ...row, ...change } : row)));

  const whatIfFromForm = (): WhatIf => {
    const whatIf: WhatIf = {};
    if (machine) whatIf.machine = machine;
    const gpus = rows
      .filter((row) => row.name !== '')
      .map((row) => {
        const count = Number(row.count);
        if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT)
          throw new Error(`${row.name}: the count is a whole number from 1 to ${MAX_COUNT}.`);
        return { name: row.name, count };
      });
    if (!machine && gpus.length > 0) whatIf.gpus = gpus;
    if (ram.trim() !== '') {
      const gb = Number(ram);
      if (!Number.isFinite(gb) || gb <= 0 || gb > 100000) throw new Error('RAM: enter a size in GiB, e.g. 64.');
      whatIf.ramBytes = Math.round(gb * GiB);
    }
    if (Object.keys(whatIf).length === 0) throw new Error('Choose a machine preset, a GPU or a RAM size.');
    return whatIf;
  };

  const save = (event: React.FormEvent): void => {
    event.preventDefault();
    if (busy) return;
    let whatIf: WhatIf;
    try {
      whatIf = whatIfFromForm();
    } catch (e) {
      setError((e as Error).message);
      return;
    }
    setBusy(true);
    host
      .saveProfile({ name, from: { whatIf } })
      .then(
        (saved) => {
          setError(null);
          onSaved(saved.name);
        },
        (e: unknown) => setError((e as Error).message),
      )
      .finally(() => setBusy(false));
  };

  return (
    <section
      className="card plan-machine"
      aria-labelledby={headingId}
      data-testid="plan-panel"
      onKeyDown={(e) => {
        if (e.key === 'Escape') onCancel();
      }}
    >
      <h2 id={headingId}>Plan a machine</h2>
      <form onSubmit={save}>
        <div className="plan-field">
          <label htmlFor={nameId}>Profile name</label>
          <input
            id={nameId}
            data-testid="plan-name"
            autoFocus
            required
            maxLength={64}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <div className="plan-field">
          <label htmlFor={machineId}>Whole machine</label>
          <select id={machineId} data-testid="plan-machine" value={machine} onChange={(e) => setMachine(e.target.value)}>
            <option value="">none: choose GPUs below</option>
            {presets?.machines.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name} ({formatBytes(m.ramBytes)} RAM)
              </option>
            ))}
          </select>
        </div>
        <fieldset className="plan-gpus" disabled={machine !== ''}>
          <legend>
            GPUs <span className="muted">{machine ? '(from the machine preset)' : '(in device order; none keeps this machine’s)'}</span>
          </legend>
          {rows.map((row, i) => (
            <div className="plan-gpu" key={i}>
              <label>
                GPU {i + 1}
                <select data-testid={`plan-gpu-${i}`} value={row.name} onChange={(e) => setRow(i, { name: e.target.value })}>
                  <option value="">none</option>
                  {vendors.map((vendor) => (
                    <optgroup key={vendor} label={vendor}>
                      {presets?.gpus
                        .filter((g) => g.vendor === vendor)
                        .map((g) => (
                          <option key={g.id} value={g.name}>
                            {gpuOptionText(g)}
                          </option>
                        ))}
                    </optgroup>
                  ))}
                </select>
              </label>
              <label>
                Count
                <input
                  type="number"
                  data-testid={`plan-count-${i}`}
                  min={1}
                  max={MAX_COUNT}
                  step={1}
                  value={row.count}
                  onChange={(e) => setRow(i, { count: e.target.value })}
                />
              </label>
              {rows.length > 1 && (
                <button type="button" aria-label={`Remove GPU ${i + 1}`} onClick={() => setRows((now) => now.filter((_, j) => j !== i))}>
                  Remove
                </button>
              )}
            </div>
          ))}
          <button
            type="button"
            data-testid="plan-add-gpu"
            disabled={rows.length >= MAX_GPU_ROWS}
            onClick={() => setRows((now) => [...now, { name: '', count: '1' }])}
          >
            Add GPU
          </button>
        </fieldset>
        <div className="plan-field">
          <label htmlFor={ramId}>RAM (GiB)</label>
          <input
            id={ramId}
            type="number"
            data-testid="plan-ram"
            min={1}
            step="any"
            placeholder={machine ? 'the preset’s' : 'this machine’s'}
            value={ram}
            onChange={(e) => setRam(e.target.value)}
          />
        </div>
        <div className="plan-actions">
          <button type="submit" data-testid="plan-save" aria-busy={busy}>
            {busy ? 'Saving…' : 'Save profile'}
          </button>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
      {error && (
        <p role="alert" className="warn" data-testid="plan-error">
          {error}
        </p>
      )}
    </section>
  );
}
