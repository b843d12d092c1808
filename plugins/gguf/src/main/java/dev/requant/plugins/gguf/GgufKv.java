package dev.requant.plugins.gguf;

import dev.requant.spi.MetaValue;

/** One key/value record of a GGUF file and the offset of its key, for errors about it. */
record GgufKv(String key, MetaValue value, long offset) {
}
