// The header's profile selector: "This machine" or a saved profile the report sizes for, and
// "Save this machine…" with its name typed inline (never window.prompt, which Electron lacks), and
// "Plan a machine…", a what-if profile built from the presets.
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import type { HostApi } from '../../shared/api';
import { PlanMachine } from './PlanMachine';

export function ProfilePicker({
  host,
  profile,
  onProfile,
}: {
  host: HostApi;
  profile: string | null;
  onProfile: (profile: string | null) => void;
}): React.JSX.Element {
  const selectId = useId();
  const nameId = useId();
  const [names, setNames] = useState<string[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [naming, setNaming] = useState(false);
  const [name, setName] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [planning, setPlanning] = useState(false);
  const planButton = useRef<HTMLButtonElement>(null);
  const closePlan = (): void => {
    setPlanning(false);
    planButton.current?.focus();
  };

  const refresh = useCallback(
    () =>
      host.listProfiles({}).then(
        (list) => {
          setNames(list.profiles.map((p) => p.name));
          setProblem(list.problem);
        },
        (e: unknown) => setProblem((e as Error).message),
      ),
    [host],
  );
  useEffect(() => {
    void refresh();
  }, [refresh]);

  const save = (event: React.FormEvent): void => {
    event.preventDefault();
    host.saveProfile({ name, from: 'detected' }).then(
      (saved) => {
        setNaming(false);
        setName('');
        setSaveError(null);
        setMessage(`Saved "${saved.name}".`);
        void refresh();
      },
      (e: unknown) => setSaveError((e as Error).message),
    );
  };

  return (
    <div className="profile-picker">
      <label htmlFor={selectId}>Profile</label>
      <select id={selectId} data-testid="profile-select" value={profile ?? ''} onChange={(e) => onProfile(e.target.value || null)}>
        <option value="">This machine</option>
        {names.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
      {naming ? (
        <form className="profile-save" onSubmit={save}>
          <label htmlFor={nameId}>Name</label>
          <input
            id={nameId}
            data-testid="profile-name"
            autoFocus
            required
            maxLength={64}
            value={name}
            onChange={(e) => setName(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') setNaming(false);
            }}
          />
          <button type="submit">Save</button>
          <button type="button" onClick={() => setNaming(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <button
          type="button"
          data-testid="profile-save"
          onClick={() => {
            setNaming(true);
            setMessage(null);
            setSaveError(null);
          }}
        >
          Save this machine…
        </button>
      )}
      <button
        type="button"
        data-testid="profile-plan"
        ref={planButton}
        aria-expanded={planning}
        onClick={() => {
          setPlanning(!planning);
          setMessage(null);
        }}
      >
        Plan a machine…
      </button>
      {planning && (
        <PlanMachine
          host={host}
          onCancel={closePlan}
          onSaved={(saved) => {
            closePlan();
            setMessage(`Saved "${saved}".`);
            void refresh().then(() => onProfile(saved));
          }}
        />
      )}
      <span role="status" className="muted">
        {message}
      </span>
      {(saveError ?? problem) && (
        <span role="alert" className="warn">
          {saveError ?? problem}
        </span>
      )}
    </div>
  );
}
