import type { Source } from '../../shared/schema';

export function describeSource(source: Source | null | undefined): string {
  if (!source) return 'unknown source';
  const head =
    source.kind === 'detected'
      ? `detected by ${source.by}`
      : source.kind === 'what-if'
        ? `what-if (${source.by})`
        : `${source.kind}: ${source.by}`;
  return source.detail ? `${head}: ${source.detail}` : head;
}

export function shortSource(source: Source | null | undefined): string {
  if (!source) return '';
  return source.kind === 'detected' ? source.by : source.kind;
}
