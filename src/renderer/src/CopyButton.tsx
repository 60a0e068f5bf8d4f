// A Copy button for a command, with what happened said beside it: copied, or refused (the
// clipboard needs a secure context and a user gesture), in which case the text stays selectable.
import { useState } from 'react';

export function CopyButton({ text, label }: { text: string; label: string }): React.JSX.Element {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = (): void => {
    // The clipboard needs a secure context and a user gesture; where it is refused the command stays selectable.
    const clipboard = typeof navigator !== 'undefined' ? navigator.clipboard : undefined;
    if (!clipboard) {
      setState('failed');
      return;
    }
    clipboard.writeText(text).then(
      () => setState('copied'),
      () => setState('failed'),
    );
  };
  return (
    <>
      <button type="button" className="copy" aria-label={`Copy ${label}`} onClick={copy}>
        Copy
      </button>
      <span role="status" className="muted copy-state">
        {state === 'copied' ? 'copied' : state === 'failed' ? 'copy refused: select the text' : ''}
      </span>
    </>
  );
}
