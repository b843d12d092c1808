/**
 * Not API: the scalar references and Vector API twins of the ggml block codecs and their
 * per-block fits, handed out by {@link dev.requant.kernels.Kernels}. Plugins must not use them
 * (see {@link dev.requant.kernels.internal}).
 */
package dev.requant.kernels.internal.ggml;
