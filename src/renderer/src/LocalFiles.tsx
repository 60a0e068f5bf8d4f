import { useState } from 'react';
import { fitShortLabel } from '../../shared/fit-words';
import type { ReportRow } from '../../shared/schema';
import { formatBytes, formatTokPerSec } from '../../shared/units';
import { speedMark, speedWord } from '../../shared/source-words';

declare global {
  interface Window {
    /** Electron only: the path of a dropped or picked file (webUtils.getPathForFile). */
    rightsizeFiles?: { pathFor(file: File): string };
  }
}

/** The entry of `files` a row came from: its path, its URL, or the hf: reference (a repository gives a row per quant). */
function entryOf(row: ReportRow, files: readonly string[]): string | undefined {
  const id = row.modelId.toLowerCase();
  const asHf = (f: string): string =>
    f
      .trim()
      .replace(/^(?:https?:\/\/)?(?:hf\.co|huggingface\.co)\//i, 'hf:')
      .toLowerCase();
  return files.find(
    (f) =>
      f === row.filePath ||
      `url:${f.trim()}`.toLowerCase() === id ||
      (id.startsWith('hf:') && (asHf(f) === id || id.startsWith(`${asHf(f)}:`))),
  );
}

/** GGUF files on this machine or online (URL, hf:), sized by the same engine as the catalog (from their real tensors). */
export function LocalFiles(props: {
  files: string[];
  rows: ReportRow[];
  problems: Array<{ path: string; message: string }>;
  onFiles: (files: string[]) => void;
  onSelect: (modelId: string, quant: string) => void;
}): React.JSX.Element {
  const [path, setPath] = useState('');
  const [dropNote, setDropNote] = useState<string | null>(null);
  const add = (p: string): void => {
    const trimmed = p.trim().replace(/^"(.*)"$/, '$1');
    if (trimmed && !props.files.includes(trimmed)) props.onFiles([...props.files, trimmed]);
    setPath('');
  };
  const onDrop = (e: React.DragEvent): void => {
    e.preventDefault();
    const dropped = [...e.dataTransfer.files];
    const paths = dropped.map((f) => window.rightsizeFiles?.pathFor(f) ?? '').filter(Boolean);
    if (paths.length) {
      props.onFiles([...new Set([...props.files, ...paths])]);
      setDropNote(null);
    } else if (dropped.length) {
      // In the app an empty path means the drop came from another program, not from the disk.
      setDropNote(
        window.rightsizeFiles
          ? 'That drop is not a file on this disk: drop a .gguf file from your file manager, or paste its path.'
          : 'The browser does not reveal where a dropped file lives: paste its path instead (the desktop app takes drops).',
      );
    }
  };
  return (
    <section className="card local-files" data-testid="local-files" onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
      <h2>
        Your GGUF files{' '}
        <span className="muted">
          sized from their real tensors; drop a file here, paste its path, or a URL or hf:ORG/REPO[:QUANT] to size it before downloading
        </span>
      </h2>
      <form
        className="add-file"
        onSubmit={(e) => {
          e.preventDefault();
          add(path);
        }}
      >
        <input
          data-testid="file-path"
          aria-label="GGUF file path, URL or Hugging Face repository"
          placeholder="/path/to/model.gguf, https://…/model.gguf or hf:ORG/REPO:Q4_K_M"
          value={path}
          onChange={(e) => setPath(e.target.value)}
        />
        <button type="submit" data-testid="file-add">
          Add
        </button>
      </form>
      {dropNote && <p className="warn">{dropNote}</p>}
      {props.problems.map((p) => (
        <p className="warn" key={p.path} data-testid="file-problem">
          {p.message}{' '}
          <button type="button" className="link" onClick={() => props.onFiles(props.files.filter((f) => f !== p.path))}>
            remove
          </button>
        </p>
      ))}
      {props.rows.length > 0 && (
        <table className="files">
          <tbody>
            {props.rows.map((r) => (
              <tr key={r.modelId} data-model={r.modelId}>
                <th scope="row" title={r.filePath ?? r.modelId}>
                  {r.name}
                </th>
                <td className="muted">{r.paramsB < 0.01 ? `${(r.paramsB * 1000).toFixed(2)}M` : `${r.paramsB.toFixed(2)}B`}</td>
                <td className="quant">{r.quant}</td>
                <td className={`cell fit-${r.fit}`} data-fit={r.fit}>
                  <button type="button" onClick={() => props.onSelect(r.modelId, r.quant)}>
                    <span className="fitlabel">{fitShortLabel(r.fit, r.gpuLayers, r.totalLayers, r.cpuMoeLayers)}</span>
                    <span className="mem">{formatBytes(r.memory.totalBytes)}</span>
                    {r.tokPerSec !== null && (
                      <span className="tps" title={`generation speed, ${speedWord(r.speedSource)}`}>
                        {formatTokPerSec(r.tokPerSec)} t/s{speedMark(r.speedSource)}
                      </span>
                    )}
                  </button>
                </td>
                <td>
                  <button
                    type="button"
                    className="link"
                    onClick={() => props.onFiles(props.files.filter((f) => f !== entryOf(r, props.files)))}
                  >
                    remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
