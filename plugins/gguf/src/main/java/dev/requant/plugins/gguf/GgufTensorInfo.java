package dev.requant.plugins.gguf;

import dev.requant.kernels.ggml.GgmlType;

/**
 * One tensor-info record of a GGUF file.
 *
 * @param ne       the dimensions as stored ({@code ne[0]} is the row length), {@code n_dims} of them
 * @param offset   where the data starts, relative to the data section
 * @param nbytes   the size of the data
 * @param infoAt   file offset of the record, for errors about the tensor
 * @param offsetAt file offset of the record's {@code offset} field, for errors about the data
 */
record GgufTensorInfo(String name, long[] ne, GgmlType type, long offset, long nbytes, long infoAt, long offsetAt) {
}
