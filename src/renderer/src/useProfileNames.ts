// The saved profiles' names, for the panels that pick machines (compare, pool): read once when the
// panel opens; a failure is a message to show, not a thrown error.
import { useEffect, useState } from 'react';
import type { HostApi } from '../../shared/api';

export function useProfileNames(host: HostApi): { names: string[]; loadError: string | null } {
  const [names, setNames] = useState<string[]>([]);
  const [loadError, setLoadError] = useState<string | null>(null);
  useEffect(() => {
    let gone = false;
    host.listProfiles({}).then(
      (list) => {
        if (gone) return;
        setNames(list.profiles.map((p) => p.name));
        // The store could not be read as it was (moved aside): say so, or the list is just empty.
        setLoadError(list.problem);
      },
      (e: unknown) => {
        if (!gone) setLoadError((e as Error).message);
      },
    );
    return () => {
      gone = true;
    };
  }, [host]);
  return { names, loadError };
}
