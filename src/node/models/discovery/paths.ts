// Paths as people and tools write them: "~/models", OLLAMA_MODELS="...".
import path from 'node:path';

export function expandHome(p: string, home: string): string {
  if (p === '~') return home;
  if (p.startsWith('~/') || p.startsWith('~\\')) return path.join(home, p.slice(2));
  return p;
}

/** Environment values as Ollama reads them (quotes and spaces trimmed); empty means unset. */
export function envPath(env: NodeJS.ProcessEnv, name: string, home: string): string | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  const value = raw
    .trim()
    .replace(/^["']+|["']+$/g, '')
    .trim();
  return value ? path.resolve(expandHome(value, home)) : undefined;
}
