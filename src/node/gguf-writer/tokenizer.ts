// The tokenizer.* keys of a model file: a synthetic llama SPM vocabulary of exactly the shape's
// size, or the tokenizer of a real GGUF copied byte for byte.
import { parseGgufHeader } from '../../core/gguf';
import { openGgufFile } from '../models/gguf-file';
import { bool, str, u32, type Kv } from './encoding';

/** llama_token_type (include/llama.h). */
const TOKEN_TYPE = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

const COMMON_WORDS = (
  'the of and to a in is it you that he was for on are with as I his they be at one have this from or had by ' +
  'not word but what some we can out other were all there when up use your how said an each she which do their ' +
  'time if will way about many then them write would like so these her long make thing see him two has look more ' +
  'day could go come did number sound no most people my over know water than call first who may down side been now ' +
  'find any new work part take get place made live where after back little only round man year came show every good ' +
  'me give our under name very through just form sentence great think say help low line differ turn cause much mean ' +
  'before move right boy old too same tell does set three want air well also play small end put home read hand port ' +
  'large spell add even land here must big high such follow act why ask men change went light kind off need house ' +
  'picture try us again animal point mother world near build self earth father head stand own page should country ' +
  'found answer school grow study still learn plant cover food sun four between state keep eye never last let ' +
  'thought city tree cross farm hard start might story saw far sea draw left late run while press close night real ' +
  'life few north open seem together next white children begin got walk example ease paper group always music those ' +
  'both mark often letter until mile river car feet care second book carry took science eat room friend began idea ' +
  'fish mountain stop once base hear horse cut sure watch color face wood main enough plain girl usual young ready ' +
  'above ever red list though feel talk bird soon body dog family direct pose leave song measure door product black ' +
  'short numeral class wind question happen complete ship area half rock order fire south problem piece told knew ' +
  'pass since top whole king space heard best hour better true during hundred five remember step early hold west ' +
  'ground interest reach fast verb sing listen six table travel less morning ten simple several vowel toward war lay ' +
  'against pattern slow center love person money serve appear road map rain rule govern pull cold notice voice unit ' +
  'power town fine certain fly fall lead cry dark machine note wait plan figure star box noun field rest correct able ' +
  'pound done beauty drive stood contain front teach week final gave green oh quick develop ocean warm free minute ' +
  'strong special mind behind clear tail produce fact street inch multiply nothing course stay wheel full force blue ' +
  'object decide surface deep moon island foot system busy test record boat common gold possible plane stead dry ' +
  'wonder laugh thousand ago ran check game shape equate hot miss brought heat snow tire bring yes distant fill east ' +
  'paint language among once upon happy sad'
).split(' ');

/**
 * A llama SPM vocabulary of exactly `size` tokens: <unk>, <s>, </s>, the 256 byte tokens, then
 * printable characters, common English words (with every "▁" prefix a merge needs on the way),
 * then "▁tokN" fillers. Scores fall with the index, so earlier pieces merge first.
 */
export function syntheticVocab(
  size: number,
  controlTokens: readonly string[] = [],
): { tokens: string[]; scores: Float32Array; types: Int32Array } {
  const specials = 3 + 256;
  const min = specials + 1 + controlTokens.length;
  if (!Number.isInteger(size) || size < min)
    throw new Error(`A synthetic SPM vocabulary needs at least ${min} tokens (asked for ${size}).`);
  const bodySize = size - controlTokens.length;
  const tokens = ['<unk>', '<s>', '</s>'];
  for (let b = 0; b < 256; b++) tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  const seen = new Set(tokens);
  const push = (t: string): void => {
    if (tokens.length < bodySize && !seen.has(t)) {
      seen.add(t);
      tokens.push(t);
    }
  };
  push('▁');
  for (let c = 33; c < 127; c++) push(String.fromCharCode(c));
  for (const word of COMMON_WORDS) {
    const piece = `▁${word}`;
    for (let end = 2; end <= piece.length; end++) push(piece.slice(0, end));
  }
  for (let i = 0; tokens.length < bodySize; i++) push(`▁tok${i}`);
  for (const t of controlTokens) {
    if (seen.has(t)) throw new Error(`Control token ${t} is already in the vocabulary.`);
    seen.add(t);
    tokens.push(t);
  }
  const scores = new Float32Array(size);
  const types = new Int32Array(size);
  types[0] = TOKEN_TYPE.UNKNOWN;
  types[1] = TOKEN_TYPE.CONTROL;
  types[2] = TOKEN_TYPE.CONTROL;
  for (let i = 3; i < specials; i++) types[i] = TOKEN_TYPE.BYTE;
  for (let i = specials; i < bodySize; i++) {
    types[i] = TOKEN_TYPE.NORMAL;
    scores[i] = -(i - specials);
  }
  for (let i = bodySize; i < size; i++) types[i] = TOKEN_TYPE.CONTROL;
  return { tokens, scores, types };
}

/**
 * Control tokens the real vocabularies end with, where llama.cpp needs them: for a model whose
 * general.name says Phi-3, llama-vocab.cpp looks up "<|endoftext|>" and fails to load without it.
 */
const CONTROL_TOKENS: Partial<Record<string, readonly string[]>> = {
  phi3: ['<|endoftext|>', '<|assistant|>', '<|end|>', '<|system|>', '<|user|>'],
};

export function syntheticTokenizerKvs(arch: string, vocabSize: number): Kv[] {
  const { tokens, scores, types } = syntheticVocab(vocabSize, CONTROL_TOKENS[arch] ?? []);
  return [
    { key: 'tokenizer.ggml.model', value: str('llama') },
    { key: 'tokenizer.ggml.tokens', value: { type: 'strings', value: tokens } },
    { key: 'tokenizer.ggml.scores', value: { type: 'f32s', value: scores } },
    { key: 'tokenizer.ggml.token_type', value: { type: 'i32s', value: types } },
    { key: 'tokenizer.ggml.bos_token_id', value: u32(1) },
    { key: 'tokenizer.ggml.eos_token_id', value: u32(2) },
    { key: 'tokenizer.ggml.unknown_token_id', value: u32(0) },
    { key: 'tokenizer.ggml.add_bos_token', value: bool(true) },
    { key: 'tokenizer.ggml.add_eos_token', value: bool(false) },
  ];
}
/** The tokenizer.* keys of the GGUF at `path`, their encodings copied verbatim; its vocabulary must be `vocabSize` long. */
export async function copiedTokenizerKvs(path: string, vocabSize: number): Promise<Kv[]> {
  const file = await openGgufFile(path);
  try {
    // Only the vocabulary's length is needed from the parse; the values are copied from their spans.
    const header = await parseGgufHeader(file.source, { maxArrayItems: 0 });
    const kvs: Kv[] = [];
    for (const [key, span] of header.metadataSpans) {
      if (!key.startsWith('tokenizer.')) continue;
      const payload = await file.source.read(span.start, span.end - span.start);
      kvs.push({ key, value: { type: 'raw', typeId: span.type, payload } });
    }
    const tokens = header.metadata.get('tokenizer.ggml.tokens');
    if (tokens === undefined) throw new Error(`${path} has no tokenizer.ggml.tokens.`);
    const n = typeof tokens === 'object' ? tokens.length : -1;
    if (n !== vocabSize) throw new Error(`${path} has a vocabulary of ${n} tokens; the shape needs ${vocabSize}.`);
    return kvs;
  } finally {
    await file.close();
  }
}
