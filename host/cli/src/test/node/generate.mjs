// Runs GGUF models in llama.cpp, through node-llama-cpp's prebuilt CPU library (nothing is built or
// downloaded), and prints what each generated as one JSON object on stdout.
//
// Usage: node generate.mjs '{"prompt": "...", "count": 64, "runs": [{"model": "a.gguf", "scoreWith": "ref.gguf"}, ...]}'
// Output: { llamaCpp, nodeLlamaCpp, results: [
//            { model, prompt: [ids], tokens: [ids], text, eos, logProbs?: [per token], logits?: [per vocab entry] }
//          | { model, tokenized: [[ids] per text] } | { model, error } ] }
//
// Decoding is greedy (temperature 0) from BOS + prompt, `count` tokens or until end of sequence,
// so two files holding the same model must give the same ids. With `scoreWith`, the continuation
// is also scored by that (reference) model: the natural log-probability it gives each generated
// token, from its raw logits, which says how plausible the text is to the original model. With
// `logits: true`, the raw logits after the prompt are returned too, to compare models on one
// prediction. A run with `texts` loads only the vocabulary (node-llama-cpp's vocabOnly) and
// returns how llama.cpp tokenizes each text (no BOS, special tokens not parsed).
// A model llama.cpp refuses is reported with its error and the others still run: one node start
// serves every model.
import { getLlama, getModuleVersion, LlamaLogLevel } from "node-llama-cpp";

const spec = JSON.parse(process.argv[2] ?? "null");
if (!spec?.runs?.length || spec.runs.some((run) => !run.texts && !(spec.prompt && spec.count > 0))) {
  throw new Error("usage: node generate.mjs '{\"prompt\": \"...\", \"count\": N, \"runs\": [{\"model\": PATH}"
    + " | {\"model\": PATH, \"texts\": [...]}]}'");
}

// llama.cpp's own warnings go to stderr, where the build log keeps them.
const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.warn });

const results = [];
for (const run of spec.runs) {
  try {
    if (run.texts) {
      results.push({ model: run.model, tokenized: await tokenize(run.model, run.texts) });
      continue;
    }
    const generated = await withContext(run.model, (model, context) => generate(model, context, run.logits));
    if (run.scoreWith) {
      generated.logProbs = await withContext(run.scoreWith, (_, context) => score(context, generated));
    }
    results.push({ model: run.model, ...generated });
  } catch (e) {
    results.push({ model: run.model, error: String(e?.message ?? e) });
  }
}
process.stdout.write(JSON.stringify({
  llamaCpp: llama.llamaCppRelease.release,
  nodeLlamaCpp: await getModuleVersion(),
  results,
}));
await llama.dispose();

async function tokenize(modelPath, texts) {
  const model = await llama.loadModel({ modelPath, vocabOnly: true });
  try {
    return texts.map((text) => Array.from(model.tokenize(text)));
  } finally {
    await model.dispose();
  }
}

async function withContext(modelPath, use) {
  const model = await llama.loadModel({ modelPath });
  try {
    // One thread: these models are tiny, and more threads spin against each other (and against a
    // build running beside them) for seconds per token on a 2-core machine.
    const context = await model.createContext({ contextSize: 256, sequences: 1, threads: 1 });
    try {
      return await use(model, context);
    } finally {
      await context.dispose();
    }
  } finally {
    await model.dispose();
  }
}

async function generate(model, context, withLogits) {
  const prompt = [model.tokens.bos, ...model.tokenize(spec.prompt)];
  const sequence = context.getSequence();
  let logits;
  if (withLogits) {
    const outputs = await sequence.controlledEvaluate(
      prompt.map((token, i) => (i === prompt.length - 1 ? [token, { generateNext: { logits: true } }] : token)));
    logits = [...outputs[prompt.length - 1].next.logits.values()];
    await sequence.clearHistory();
  }
  const tokens = [];
  let eos = false;
  for await (const token of sequence.evaluate(prompt, { temperature: 0 })) {
    if (token === model.tokens.eos) {
      eos = true;
      break;
    }
    tokens.push(token);
    if (tokens.length === spec.count) break;
  }
  return { prompt, tokens, text: model.detokenize(tokens), eos, ...(logits ? { logits } : {}) };
}

// Feeds prompt + tokens and asks for the logits after the last prompt token and after every
// generated token but the last: position i predicts tokens[i].
async function score(context, { prompt, tokens }) {
  const input = [...prompt, ...tokens.slice(0, -1)];
  const first = prompt.length - 1;
  const outputs = await context.getSequence().controlledEvaluate(
    input.map((token, i) => (i >= first ? [token, { generateNext: { logits: true } }] : token)));
  return tokens.map((token, i) => {
    const logits = [...outputs[first + i].next.logits.values()];
    const max = Math.max(...logits);
    const logSum = max + Math.log(logits.reduce((sum, l) => sum + Math.exp(l - max), 0));
    return outputs[first + i].next.logits.get(token) - logSum;
  });
}
