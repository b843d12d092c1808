package dev.requant.core.exec;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;
import java.util.Optional;

/**
 * Gives back the pages of a memory-mapped input range once it has been converted
 * ({@code madvise(MADV_DONTNEED)} on Linux). A read-only file mapping loses nothing by it: a later
 * read faults the pages in again from the file. Without it, the resident memory of a run grows to
 * the size of the model, because the kernel keeps every touched page mapped.
 */
final class PageRelease {
    private static final int MADV_DONTNEED = 4;
    private static final long PAGE = 4096;
    private static final Optional<MethodHandle> MADVISE = madvise();

    private PageRelease() {
    }

    /** Releases the whole pages inside {@code range} if it is mapped; does nothing otherwise. */
    static void release(MemorySegment range) {
        if (MADVISE.isEmpty() || !range.isMapped() || range.byteSize() < PAGE) {
            return;
        }
        long start = (range.address() + PAGE - 1) & -PAGE;
        long end = (range.address() + range.byteSize()) & -PAGE;
        if (end <= start) {
            return;
        }
        try {
            int ignored = (int) MADVISE.get().invokeExact(MemorySegment.ofAddress(start), end - start, MADV_DONTNEED);
        } catch (Throwable e) {
            // advice only: the pages stay mapped, nothing else changes
        }
    }

    @SuppressWarnings("restricted") // the launcher and tests pass --enable-native-access=ALL-UNNAMED
    private static Optional<MethodHandle> madvise() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return Optional.empty();
        }
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("madvise").map(addr -> linker.downcallHandle(addr,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                            ValueLayout.JAVA_INT)));
        } catch (RuntimeException | LinkageError e) {
            return Optional.empty();
        }
    }
}
