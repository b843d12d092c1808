// Tokenizes texts with @huggingface/tokenizers (tokenizers.js), Hugging Face's JavaScript
// implementation of tokenizer.json, which shares no code with requant. Input, one JSON argument:
//   {"runs": [{"dir": FOLDER with tokenizer.json and tokenizer_config.json, "texts": [...]}]}
// Output on stdout: {"results": [{"plain": [[ids] per text], "special": [[ids] per text]}
//                                 | {"error": message}]}
// "plain" is the text alone (add_special_tokens false), "special" as a model gets it (true).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";

const spec = JSON.parse(process.argv[2] ?? "null");
if (!spec?.runs?.length || spec.runs.some((run) => !run.dir || !Array.isArray(run.texts))) {
  console.error('usage: node tokenize-hf.mjs \'{"runs": [{"dir": FOLDER, "texts": [...]}]}\'');
  process.exit(2);
}

const json = async (dir, name) => JSON.parse(await readFile(join(dir, name), "utf8"));
const results = [];
for (const run of spec.runs) {
  try {
    const tokenizer = new Tokenizer(await json(run.dir, "tokenizer.json"), await json(run.dir, "tokenizer_config.json"));
    const encode = (text, add_special_tokens) => tokenizer.encode(text, { add_special_tokens }).ids;
    results.push({
      plain: run.texts.map((text) => encode(text, false)),
      special: run.texts.map((text) => encode(text, true)),
    });
  } catch (e) {
    results.push({ error: String(e?.message ?? e) });
  }
}
console.log(JSON.stringify({ results }));
