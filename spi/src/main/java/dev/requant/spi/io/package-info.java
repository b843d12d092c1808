/**
 * Plugin API, part of the spi (see {@link dev.requant.spi}): files mapped read-only for readers
 * ({@link dev.requant.spi.io.MappedFile}) and output files published by rename for writers
 * ({@link dev.requant.spi.io.OutputFile}).
 */
package dev.requant.spi.io;
