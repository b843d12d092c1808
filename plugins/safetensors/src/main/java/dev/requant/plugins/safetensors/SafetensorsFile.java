package dev.requant.plugins.safetensors;

import dev.requant.spi.BadInputException;
import dev.requant.spi.PartSpec;
import dev.requant.spi.Shape;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorPart;
import dev.requant.spi.io.MappedFile;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * One safetensors file, memory-mapped and checked as the Rust reader checks it
 * ({@code read_metadata} and {@code Metadata::validate}):
 * <ol>
 *   <li>at least 8 bytes; the little-endian u64 header length N at most 100,000,000; 8 + N within the file;</li>
 *   <li>the header valid UTF-8 JSON ({@link JsonCursor}) of the form {@link Header} describes;</li>
 *   <li>in data order (sorted by {@code data_offsets}) every tensor starts where the previous one
 *       ended, the first at 0, with begin &lt;= end: no gap, no overlap;</li>
 *   <li>element count and bit count without overflow, whole bytes (sub-byte types), and
 *       end - begin equal to that byte count;</li>
 *   <li>the last tensor ends exactly at the end of the file.</li>
 * </ol>
 * Beyond the Rust reader, duplicate keys are refused (the format forbids them; serde would keep one
 * and then fail on the hole), and each error says where: header problems give the file offset of
 * the offending header token or tensor key, layout problems the file offset of the tensor bytes.
 */
final class SafetensorsFile implements AutoCloseable {
    /** The header size limit of the Rust reader. */
    static final long MAX_HEADER_LENGTH = 100_000_000L;

    private final Path path;
    private final MappedFile mapped;
    private final long dataStart;
    private final Header header;
    private final List<Header.Entry> dataOrder;

    private SafetensorsFile(Path path, MappedFile mapped, long dataStart, Header header, List<Header.Entry> dataOrder) {
        this.path = path;
        this.mapped = mapped;
        this.dataStart = dataStart;
        this.header = header;
        this.dataOrder = dataOrder;
    }

    static SafetensorsFile open(Path path) throws IOException {
        MappedFile mapped = MappedFile.open(path);
        try {
            long size = mapped.size();
            if (size < 8) {
                throw BadInputException.at(path, 0, "file of " + size + " bytes is too short for the 8-byte header length");
            }
            long n = mapped.segment().get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (n < 0 || n > MAX_HEADER_LENGTH) {
                throw BadInputException.at(path, 0, "header length " + Long.toUnsignedString(n)
                        + " exceeds the limit of " + MAX_HEADER_LENGTH + " bytes");
            }
            if (8 + n > size) {
                throw BadInputException.at(path, 0, "header length " + n + " runs past the end of the file ("
                        + size + " bytes: 8 + " + n + " needed)");
            }
            byte[] json = mapped.segment().asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
            Header header = Header.parse(path, json, 8);
            long dataStart = 8 + n;
            List<Header.Entry> dataOrder = validateLayout(path, header, dataStart, size);
            return new SafetensorsFile(path, mapped, dataStart, header, dataOrder);
        } catch (IOException | RuntimeException e) {
            mapped.close();
            throw e;
        }
    }

    private static List<Header.Entry> validateLayout(Path path, Header header, long dataStart, long fileSize)
            throws BadInputException {
        List<Header.Entry> order = new ArrayList<>(header.tensors());
        order.sort(Comparator.comparingLong(Header.Entry::begin).thenComparingLong(Header.Entry::end));
        long expected = 0;
        Header.Entry previous = null;
        for (Header.Entry e : order) {
            String where = "tensor '" + e.name() + "': ";
            String offsets = "data_offsets [" + e.begin() + ", " + e.end() + "]";
            if (e.end() < e.begin()) {
                throw BadInputException.at(path, e.headerOffset(), where + offsets + " end before they begin");
            }
            if (e.begin() > expected) {
                throw BadInputException.at(path, dataStart + expected, where + offsets + " leave "
                        + (e.begin() - expected) + " bytes unused after "
                        + (previous == null ? "the header" : "tensor '" + previous.name() + "'"));
            }
            if (e.begin() < expected) {
                throw BadInputException.at(path, dataStart + e.begin(), where + offsets + " overlap tensor '"
                        + previous.name() + "' [" + previous.begin() + ", " + previous.end() + "]");
            }
            long bytes = byteSize(path, e, where);
            if (e.end() - e.begin() != bytes) {
                throw BadInputException.at(path, e.headerOffset(), where + "shape " + e.shapeText() + " of "
                        + e.dtype().name() + " needs " + bytes + " bytes but " + offsets + " hold "
                        + (e.end() - e.begin()));
            }
            expected = e.end();
            previous = e;
        }
        long dataLength = fileSize - dataStart;
        if (expected < dataLength) {
            throw BadInputException.at(path, dataStart + expected, (dataLength - expected)
                    + " bytes follow the last tensor's data; the data must end the file");
        }
        if (expected > dataLength) {
            Header.Entry cut = order.stream().filter(e -> e.end() > dataLength).findFirst().orElseThrow();
            throw BadInputException.at(path, dataStart + cut.begin(), "tensor '" + cut.name() + "': data_offsets ["
                    + cut.begin() + ", " + cut.end() + "] end past the end of the file (" + fileSize
                    + " bytes, data section " + dataLength + "): the file is truncated");
        }
        return List.copyOf(order);
    }

    /** Bytes a tensor entry needs, with the Rust reader's overflow and whole-byte checks. */
    private static long byteSize(Path path, Header.Entry e, String where) throws BadInputException {
        try {
            long numel = 1;
            for (long d : e.shape()) {
                numel = Math.multiplyExact(numel, d);
            }
            long bits = Math.multiplyExact(numel, (long) e.dtype().bits());
            if (bits % 8 != 0) {
                throw BadInputException.at(path, e.headerOffset(), where + numel + " elements of "
                        + e.dtype().name() + " (" + e.dtype().bits() + " bits each) do not fill whole bytes");
            }
            return bits / 8;
        } catch (ArithmeticException overflow) {
            throw BadInputException.at(path, e.headerOffset(), where + "shape " + e.shapeText() + " of "
                    + e.dtype().name() + " overflows a 64-bit size");
        }
    }

    Path path() {
        return path;
    }

    /** The {@code __metadata__} entries. */
    Map<String, String> metadata() {
        return header.metadata();
    }

    /** The tensors in data order, their bytes slices of the mapping. */
    List<StoredTensor> tensors() throws BadInputException {
        List<StoredTensor> out = new ArrayList<>(dataOrder.size());
        for (Header.Entry e : dataOrder) {
            Shape shape = Shape.of(e.shape());
            PartSpec spec = new PartSpec(PartSpec.DATA, e.dtype(), shape);
            TensorPart part = new TensorPart(spec, mapped.slice(dataStart + e.begin(), e.end() - e.begin(),
                    "tensor '" + e.name() + "'"));
            out.add(StoredTensor.of(new TensorInfo(e.name(), shape, e.dtype()), part));
        }
        return out;
    }

    @Override
    public void close() {
        mapped.close();
    }
}
