// Reads GGUF files with @huggingface/gguf, a parser that shares no code with requant, and prints
// what it found as one JSON array on stdout, one entry per file given on the command line:
//   { file, version, tensorCount, kvCount, tensorDataOffset,
//     kvs: [{ key, type, subType?, value }],   // in file order; type names as GGUF spells them
//     tensors: [{ name, ne: [...], type, offset }] }   // ne in ggml order, offset from the data start
// Values JSON cannot hold are printed as strings: 64-bit integers in decimal, and the floats
// -0, NaN and ±Infinity (JSON would turn -0 into 0 and the others into null).
import { gguf, GGUFValueType } from "@huggingface/gguf";

const header = new Set(["version", "tensor_count", "kv_count"]);
const json = (_, v) =>
  Object.is(v, -0) ? "-0" : typeof v === "bigint" || (typeof v === "number" && !Number.isFinite(v)) ? String(v) : v;

const out = [];
for (const file of process.argv.slice(2)) {
  const { typedMetadata, tensorInfos, tensorDataOffset, littleEndian } =
    await gguf(file, { allowLocalFile: true, typedMetadata: true });
  if (!littleEndian) throw new Error(`${file}: big-endian`);
  out.push({
    file,
    version: typedMetadata.version.value,
    tensorCount: typedMetadata.tensor_count.value,
    kvCount: typedMetadata.kv_count.value,
    tensorDataOffset,
    kvs: Object.entries(typedMetadata)
      .filter(([key]) => !header.has(key))
      .map(([key, { type, subType, value }]) => ({
        key,
        type: GGUFValueType[type],
        ...(subType === undefined ? {} : { subType: GGUFValueType[subType] }),
        value,
      })),
    tensors: tensorInfos.map((t) => ({ name: t.name, ne: t.shape, type: t.dtype, offset: t.offset })),
  });
}
process.stdout.write(JSON.stringify(out, json));
