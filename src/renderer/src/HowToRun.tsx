// "How to run it": the llama-server, llama-cli, Ollama, LM Studio, node-llama-cpp and llama-bench commands for one
// model at one precision and context, placed as rightsize sized it, each with a Copy button.
import { useEffect, useId, useState } from 'react';
import { CopyButton } from './CopyButton';
import type { HostApi } from '../../shared/api';
import { fitLabel } from '../../shared/fit-words';
import type { KvType } from '../../shared/precision';
import type { RunCommand, RunCommandsResult, WhatIf } from '../../shared/schema';

export interface HowToRunProps {
  host: HostApi;
  /** A catalog id, a GGUF path or a name `listModels` found. */
  model: string;
  /** Catalog models only. */
  quant?: string;
  contextTokens?: number;
  kvType?: KvType;
  /** Size for a saved profile instead of this machine. */
  profile?: string;
  /** The what-if the report was built with, so the commands match what the page shows. */
  whatIf?: WhatIf | null;
}

function CommandBlock({ command }: { command: RunCommand }): React.JSX.Element {
  const titleId = useId();
  return (
    <li aria-labelledby={titleId} data-testid={`run-command-${command.tool}`}>
      <h4 id={titleId}>{command.title}</h4>
      <pre>
        <code>{command.command}</code>
      </pre>
      <CopyButton text={command.command} label={`the ${command.title} command`} />
      {command.notes.length > 0 && (
        <ul className="muted">
          {command.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
    </li>
  );
}

export function HowToRun({ host, model, quant, contextTokens, kvType, profile, whatIf = null }: HowToRunProps): React.JSX.Element {
  const headingId = useId();
  // The answer remembers what it answers, so a newer request shows "writing" until its own answer lands.
  const key = JSON.stringify([model, quant, contextTokens, kvType, profile, whatIf]);
  const [answer, setAnswer] = useState<{ key: string; result: RunCommandsResult | null; error: string | null } | null>(null);
  useEffect(() => {
    let current = true;
    host
      .runCommands({
        model,
        ...(quant !== undefined ? { quant } : {}),
        ...(contextTokens !== undefined ? { contextTokens } : {}),
        ...(kvType !== undefined ? { kvType } : {}),
        ...(profile !== undefined ? { profile } : {}),
        ...(whatIf && Object.keys(whatIf).length ? { whatIf } : {}),
      })
      .then(
        (result) => current && setAnswer({ key, result, error: null }),
        (e: unknown) => current && setAnswer({ key, result: null, error: (e as Error).message }),
      );
    return () => {
      current = false; // a newer request (or closing) wins over a late answer
    };
  }, [host, key, model, quant, contextTokens, kvType, profile, whatIf]);
  const result = answer?.key === key ? answer.result : null;
  const error = answer?.key === key ? answer.error : null;

  const p = result?.placement;
  return (
    <section aria-labelledby={headingId} className="how-to-run" data-testid="how-to-run">
      <h3 id={headingId}>How to run it</h3>
      {error !== null && <p role="alert">{error}</p>}
      {result === null && error === null && <p className="muted">Writing the commands…</p>}
      {result !== null && p !== undefined && (
        <>
          <p>
            {result.model.name} {result.model.quant}: {fitLabel(p.fit, p.gpuLayers, p.totalLayers)}. Context {p.contextTokens}, KV{' '}
            {p.kvType}
            {p.flashAttention === 'on' ? ' (flash attention on)' : ''},{' '}
            {p.threads !== null ? `${p.threads} threads` : "llama.cpp's default threads"}
            {p.tensorSplit ? `, split ${p.tensorSplit.join(':')}` : ''}.
          </p>
          {result.notes.map((note) => (
            <p key={note} className="muted">
              {note}
            </p>
          ))}
          <ol className="run-commands">
            {result.commands.map((command) => (
              <CommandBlock key={command.title} command={command} />
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
