package org.example.requant.npy;

import dev.requant.spi.BadInputException;
import dev.requant.spi.Metadata;
import dev.requant.spi.ModelSource;
import dev.requant.spi.PartSpec;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorPart;
import dev.requant.spi.io.MappedFile;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * An opened {@code .npz} archive or {@code .npy} file, mapped until {@link #close()}. Every array
 * is one tensor whose bytes are a slice of the mapping: in an archive, a STORED member's bytes are
 * a contiguous run of the file, so nothing is copied. An archive's tensors are named after its
 * members without {@code .npy}, in archive order; a lone {@code .npy} after its file name. NumPy
 * files carry no metadata.
 */
final class NpzModel implements ModelSource {
    static final String NPY_SUFFIX = ".npy";

    /** Every ZIP record signature starts so, the empty archive's end record included. */
    private static final byte[] ZIP_START = {'P', 'K'};

    private final MappedFile file;
    private final List<SourceTensor> tensors;
    private final Metadata metadata = new Metadata();

    private NpzModel(MappedFile file, List<SourceTensor> tensors) {
        this.file = file;
        this.tensors = List.copyOf(tensors);
    }

    static NpzModel open(Path path) throws IOException {
        MappedFile file = MappedFile.open(path);
        try {
            List<SourceTensor> tensors;
            if (startsWith(file, NpyHeader.MAGIC)) {
                tensors = List.of(array(file, arrayName(path), 0, file.size()));
            } else if (startsWith(file, ZIP_START)) {
                tensors = members(file);
            } else {
                throw BadInputException.at(path, 0, "neither a .npy array (no \\x93NUMPY magic) nor an .npz archive"
                        + " (no ZIP signature PK)");
            }
            return new NpzModel(file, tensors);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    private static boolean startsWith(MappedFile file, byte[] prefix) {
        MemorySegment p = MemorySegment.ofArray(prefix);
        return file.size() >= p.byteSize() && file.segment().asSlice(0, p.byteSize()).mismatch(p) == -1;
    }

    private static String arrayName(Path path) {
        String name = path.getFileName().toString();
        return name.endsWith(NPY_SUFFIX) ? name.substring(0, name.length() - NPY_SUFFIX.length()) : name;
    }

    private static List<SourceTensor> members(MappedFile file) throws BadInputException {
        List<SourceTensor> tensors = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (ZipDirectory.Member m : ZipDirectory.read(file)) {
            if (!m.name().endsWith(NPY_SUFFIX)) {
                throw BadInputException.at(file.path(), m.localHeaderOffset(), "member '" + m.name()
                        + "' is not a .npy array; an .npz archive holds NAME.npy members only");
            }
            String name = m.name().substring(0, m.name().length() - NPY_SUFFIX.length());
            if (!names.add(name)) {
                throw BadInputException.at(file.path(), m.localHeaderOffset(), "member '" + m.name()
                        + "' appears twice");
            }
            tensors.add(array(file, name, m.dataOffset(), m.size()));
        }
        return tensors;
    }

    /** The .npy occupying {@code [start, start + length)} of the file, as a tensor. */
    private static StoredTensor array(MappedFile file, String name, long start, long length)
            throws BadInputException {
        NpyHeader header = NpyHeader.read(file, start, length);
        PartSpec spec = new PartSpec(PartSpec.DATA, header.dtype().elementType(), header.shape());
        MemorySegment data = file.slice(start + header.dataOffset(), spec.byteSize(), "data of array " + name);
        TensorInfo info = new TensorInfo(name, header.shape(), header.dtype().elementType());
        return StoredTensor.of(info, new TensorPart(spec, data));
    }

    @Override
    public String format() {
        return NpzReader.ID;
    }

    @Override
    public Metadata metadata() {
        return metadata;
    }

    @Override
    public List<SourceTensor> tensors() {
        return tensors;
    }

    @Override
    public void close() {
        file.close();
    }
}
