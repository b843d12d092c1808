package dev.requant.plugins.inc;

import dev.requant.plugins.support.GroupedModel;
import dev.requant.spi.BadInputException;
import dev.requant.spi.Metadata;
import dev.requant.spi.ModelSource;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A neural-compressor export on top of the safetensors container that holds it. Each quantized
 * Linear ({@code P.qweight} and the tensors beside it) becomes one logical tensor {@code P.weight},
 * placed where the first of them is stored; every other tensor passes through.
 *
 * <p>Which export it is: a {@code qconfig.json} beside the weights makes it the native export (its
 * per-module settings); otherwise it is the GPTQ-compatible ("optimum") export with the setting of
 * config.json's {@code quantization_config} or {@code quantize_config.json}. In the latter, the
 * all-zero {@code bias} neural-compressor registers on every layer is a part of the logical tensor,
 * not a model parameter; a bias that is not zero passes through as {@code P.bias}.
 */
final class IncCheckpoint {
    private IncCheckpoint() {
    }

    /**
     * Whether a container holds a neural-compressor (or ITREX) checkpoint: an ITREX blob, or packed
     * modules with neural-compressor's marks: a qconfig.json, {@code scale_bf16_to_fp8} tensors, or
     * GPTQ-shaped modules that all carry an all-zero bias.
     */
    static boolean recognises(ModelSource container) {
        Map<String, StoredTensor> byName = GroupedModel.storedByName(container);
        if (ItrexBlob.find(byName).isPresent()) {
            return true;
        }
        List<String> prefixes = prefixes(byName);
        if (prefixes.isEmpty()) {
            return false;
        }
        if (container.metadata().file(IncConfig.QCONFIG).isPresent()
                || prefixes.stream().anyMatch(p -> byName.containsKey(p + IncModule.FP8_SCALE))) {
            return true;
        }
        for (String p : prefixes) {
            StoredTensor scales = byName.get(p + IncModule.SCALES);
            if (scales == null) {
                return false;
            }
            IncModule m = new IncModule(p, byName.get(p + IncModule.QWEIGHT), scales, byName.get(p + IncModule.QZEROS),
                    null, byName.get(p + IncModule.BIAS), null);
            if (!m.gptqShaped() || m.qzeros() == null || !m.zeroBias()) {
                return false;
            }
        }
        return true;
    }

    /** Groups and checks the tensors of {@code container}; closes nothing on failure. */
    static ModelSource open(Path path, ModelSource container) throws IOException {
        Map<String, StoredTensor> byName = GroupedModel.storedByName(container);
        Optional<StoredTensor> blob = ItrexBlob.find(byName);
        if (blob.isPresent()) {
            throw ItrexBlob.refusal(path, blob.get(), container.metadata());
        }
        Path folder = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
        List<IncModule> modules = new ArrayList<>();
        for (String prefix : prefixes(byName)) {
            modules.add(IncModule.of(prefix, byName, path));
        }
        checkOrphans(path, byName);
        Optional<Map<String, IncConfig.Setting>> qconfig = IncConfig.qconfig(folder, container.metadata());
        boolean optimum = qconfig.isEmpty();
        Map<String, IncConfig.Setting> settings = new HashMap<>();
        if (optimum && !modules.isEmpty()) {
            IncConfig.Setting s = optimumSetting(path, folder, container.metadata(), modules);
            modules.forEach(m -> settings.put(m.prefix(), s));
        } else if (!optimum) {
            for (IncModule m : modules) {
                IncConfig.Setting s = qconfig.get().get(m.prefix());
                if (s == null) {
                    throw m.problem(path, "qconfig.json has no entry for " + m.prefix());
                }
                settings.put(m.prefix(), s);
            }
        }
        Map<String, IncModule> byMember = new HashMap<>();
        for (IncModule m : modules) {
            m.parts(optimum).forEach(name -> byMember.put(name, m));
        }
        Set<Long> known = new HashSet<>();
        for (StoredTensor t : byName.values()) {
            if (!byMember.containsKey(t.name())) {
                for (long d : t.info().shape().dims()) {
                    known.add(d);
                }
            }
        }
        modules.forEach(m -> known.add(m.out(optimum)));
        Map<String, StoredTensor> logical = new HashMap<>();
        for (IncModule m : modules) {
            logical.put(m.prefix(), m.logical(path, optimum, settings.get(m.prefix()), known));
        }
        List<SourceTensor> out = new ArrayList<>();
        Set<String> emitted = new HashSet<>();
        for (SourceTensor t : container.tensors()) {
            IncModule m = byMember.get(t.name());
            if (m == null) {
                out.add(t);
            } else if (emitted.add(m.prefix())) {
                out.add(logical.get(m.prefix()));
            }
        }
        return new GroupedModel(IncReader.ID, container, out);
    }

    private static IncConfig.Setting optimumSetting(Path path, Path folder, Metadata metadata, List<IncModule> modules)
            throws IOException {
        Optional<IncConfig.Setting> s = IncConfig.optimum(folder, metadata);
        if (s.isPresent()) {
            return s.get();
        }
        IncModule m = modules.getFirst();
        if (!m.gptqShaped()) {
            throw m.problem(path, "is laid out as neural-compressor's native export (scales " + m.scales().info().shape()
                    + ", one row per output), whose bits and group size only its qconfig.json records: put the"
                    + " qconfig.json saved with the weights beside them");
        }
        throw m.problem(path, "has no bits and group size: config.json has no quantization_config and there is no "
                + IncConfig.QUANTIZE_CONFIG + " beside the weights");
    }

    /** Parts of a quantized layer stored without its qweight. */
    private static void checkOrphans(Path path, Map<String, StoredTensor> byName) throws BadInputException {
        for (String name : byName.keySet()) {
            for (String suffix : IncModule.MEMBERS) {
                if (name.endsWith(suffix)) {
                    String prefix = name.substring(0, name.length() - suffix.length());
                    if (!byName.containsKey(prefix + IncModule.QWEIGHT)) {
                        throw BadInputException.inTensor(path, name, "is stored without " + prefix + IncModule.QWEIGHT
                                + ", the packed codes it belongs to");
                    }
                }
            }
        }
    }

    private static List<String> prefixes(Map<String, StoredTensor> byName) {
        List<String> out = new ArrayList<>();
        for (String name : byName.keySet()) {
            if (name.endsWith(IncModule.QWEIGHT)) {
                out.add(name.substring(0, name.length() - IncModule.QWEIGHT.length()));
            }
        }
        return out;
    }
}
