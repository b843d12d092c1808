/**
 * The requant service-provider interface: with the kernels API ({@code dev.requant.kernels} and
 * its subpackages outside {@code dev.requant.kernels.internal}), the only classes a plugin compiles
 * against.
 *
 * <p>A plugin provides one or more of four extension points, each found by its {@code id()}:
 * {@link dev.requant.spi.FormatReader}, {@link dev.requant.spi.FormatWriter},
 * {@link dev.requant.spi.QuantScheme} and {@link dev.requant.spi.TensorTransform}. They exchange
 * {@link dev.requant.spi.SourceTensor logical tensors}, whose bytes are read-only views of
 * memory-mapped files, and {@link dev.requant.spi.Metadata}.
 *
 * <p>Rules every plugin follows:
 * <ul>
 *   <li>Depend on this module (and {@code requant-kernels}) in {@code provided} scope: the host
 *       supplies them. A plugin that bundles these classes gets its own copies, which the host does
 *       not recognise, and its extensions are refused.</li>
 *   <li>Never copy a tensor whole onto the heap; work on row ranges.</li>
 *   <li>Report bad input with {@link dev.requant.spi.BadInputException}: the file, the byte offset or
 *       the tensor, and what is wrong.</li>
 * </ul>
 *
 * <p>Compatibility: this API and the kernels API follow semantic versioning together, under one
 * version ({@link dev.requant.spi.Spi#VERSION}). New capabilities arrive as default methods, so a
 * plugin built against 1.x runs on any later 1.y.
 */
package dev.requant.spi;
