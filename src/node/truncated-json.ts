// JSON cut off part-way (a pasted tool output, a store file a crash truncated): what can still be read.

/**
 * Parses JSON that may have been cut off part-way (pasted or truncated output): drops the
 * unfinished tail and closes what is open. Returns null when nothing usable is left.
 */
export function parseMaybeTruncatedJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // repaired below
  }
  const start = text.search(/[[{]/);
  if (start < 0) return null;
  const body = text.slice(start);
  const stack: string[] = [];
  let inString = false;
  let stringStart = -1;
  let lastSafe = -1;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {
      inString = true;
      stringStart = i;
    } else if (ch === '{' || ch === '[') stack.push(ch === '{' ? '}' : ']');
    else if (ch === '}' || ch === ']') stack.pop();
    if (!inString) lastSafe = i;
  }
  let cut = inString ? body.slice(0, stringStart) : body.slice(0, lastSafe + 1);
  // Drop a dangling comma, or a key without its value.
  for (;;) {
    const before = cut;
    cut = cut
      .replace(/\s+$/, '')
      .replace(/,$/, '')
      .replace(/"(?:[^"\\]|\\.)*"\s*:\s*$/, '');
    if (cut === before) break;
  }
  const depth: string[] = [];
  inString = false;
  for (let i = 0; i < cut.length; i++) {
    const ch = cut[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') depth.push(ch === '{' ? '}' : ']');
    else if (ch === '}' || ch === ']') depth.pop();
  }
  try {
    return JSON.parse(cut + depth.reverse().join(''));
  } catch {
    return null;
  }
}
