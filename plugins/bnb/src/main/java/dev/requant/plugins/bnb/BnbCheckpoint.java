package dev.requant.plugins.bnb;

import dev.requant.spi.BadInputException;
import dev.requant.spi.Encoding;
import dev.requant.spi.PartSpec;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorPart;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The state dict of a bitsandbytes model, as transformers saves it, turned into logical tensors:
 * each quantized Linear's weight and its side tensors become one tensor named like the weight,
 * with its logical shape; every other tensor (norms, embeddings, lm_head, biases) passes through.
 * Every inconsistency is refused with the weight's name and what does not agree.
 */
final class BnbCheckpoint {
    /** {@code P.weight.quant_state.bitsandbytes__nf4}: the key that marks a 4-bit weight {@code P.weight}. */
    private static final Pattern QUANT_STATE = Pattern.compile("(.+)\\.quant_state\\.bitsandbytes__(.*)");
    /** Side tensors of a 4-bit weight that mean nothing without its quant_state. */
    private static final List<String> FOUR_BIT_SIDES = List.of(FourBitTensor.ABSMAX, FourBitTensor.QUANT_MAP,
            FourBitTensor.NESTED_ABSMAX, FourBitTensor.NESTED_QUANT_MAP);
    private static final String DOT_WEIGHT = "." + Int8Tensor.WEIGHT;
    private static final String DOT_SCB = "." + Int8Tensor.SCB;
    private static final String DOT_WEIGHT_FORMAT = "." + Int8Tensor.WEIGHT_FORMAT;

    private final Path path;
    private final Map<String, StoredTensor> stored = new LinkedHashMap<>();
    /** Logical tensors by the name of the stored weight they replace. */
    private final Map<String, StoredTensor> quantized = new HashMap<>();
    /** Stored tensors that became parts of a logical one. */
    private final Set<String> used = new HashSet<>();

    private BnbCheckpoint(Path path, List<SourceTensor> tensors) {
        this.path = path;
        for (SourceTensor t : tensors) {
            if (t instanceof StoredTensor s && s.parts().size() == 1) {
                stored.put(t.name(), s);
            }
        }
    }

    /** True when the names show bitsandbytes weights (for a checkpoint without config.json). */
    static boolean hasBnbTensors(List<SourceTensor> tensors) {
        for (SourceTensor t : tensors) {
            String n = t.name();
            if (QUANT_STATE.matcher(n).matches() || n.endsWith(DOT_SCB) || n.endsWith(DOT_WEIGHT_FORMAT)
                    || FOUR_BIT_SIDES.stream().anyMatch(side -> n.endsWith(DOT_WEIGHT + "." + side))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The logical tensors of a container's tensors, in the container's order (a quantized weight
     * where its packed codes were).
     *
     * @param path the checkpoint, for messages
     */
    static List<SourceTensor> logicalTensors(Path path, List<SourceTensor> tensors) throws BadInputException {
        BnbCheckpoint c = new BnbCheckpoint(path, tensors);
        c.groupFourBit();
        c.groupInt8();
        List<SourceTensor> out = new ArrayList<>();
        for (SourceTensor t : tensors) {
            StoredTensor logical = c.quantized.get(t.name());
            if (logical != null) {
                out.add(logical);
            } else if (!c.used.contains(t.name())) {
                out.add(t);
            }
        }
        return out;
    }

    private void groupFourBit() throws BadInputException {
        Map<String, String> stateOf = new LinkedHashMap<>();
        for (String name : stored.keySet()) {
            Matcher m = QUANT_STATE.matcher(name);
            if (m.matches()) {
                String earlier = stateOf.put(m.group(1), name);
                if (earlier != null) {
                    throw refuse(m.group(1), "it has two quant_states, " + earlier + " and " + name);
                }
            }
        }
        for (var e : stateOf.entrySet()) {
            fourBit(e.getKey(), e.getValue());
        }
        Map<String, List<String>> orphans = new LinkedHashMap<>();
        for (String side : FOUR_BIT_SIDES) {
            for (String name : stored.keySet()) {
                String weight = name.substring(0, Math.max(0, name.length() - side.length() - 1));
                if (name.endsWith("." + side) && !used.contains(name)
                        && (stored.containsKey(weight) || weight.endsWith(DOT_WEIGHT))) {
                    orphans.computeIfAbsent(weight, w -> new ArrayList<>()).add(side);
                }
            }
        }
        if (!orphans.isEmpty()) {
            var e = orphans.entrySet().iterator().next();
            throw refuse(e.getKey(), "it has " + String.join(", ", e.getValue()) + " (" + e.getKey() + "."
                    + e.getValue().getFirst() + ", ...) but no quant_state (" + e.getKey()
                    + ".quant_state.bitsandbytes__nf4 or __fp4), so its 4-bit layout is unknown");
        }
    }

    private void fourBit(String weight, String stateName) throws BadInputException {
        String type = QUANT_STATE.matcher(stateName).replaceFirst("$2");
        if (!type.equals("nf4") && !type.equals("fp4")) {
            throw refuse(weight, "its quant_state " + stateName + " names the 4-bit type '" + type
                    + "'; bitsandbytes has nf4 and fp4");
        }
        if (!stored.containsKey(weight)) {
            throw refuse(weight, "there is a quant_state (" + stateName + ") but no packed weight " + weight);
        }
        QuantState state;
        try {
            state = QuantState.parse(stored.get(stateName).parts().getFirst().data().toArray(ValueLayout.JAVA_BYTE));
        } catch (IllegalArgumentException e) {
            throw refuse(weight, e.getMessage());
        }
        if (!BnbSchemeIds.fourBit(state.code()).equals("bnb_" + type)) {
            throw refuse(weight, "its quant_state says " + state.code() + " but its name says " + type);
        }
        Map<String, String> names = new LinkedHashMap<>();
        for (String role : FourBitTensor.ROLES) {
            String name = switch (role) {
                case FourBitTensor.WEIGHT -> weight;
                case FourBitTensor.QUANT_STATE -> stateName;
                default -> weight + "." + role;
            };
            if (stored.containsKey(name)) {
                names.put(role, name);
            }
        }
        TensorInfo info = new TensorInfo(weight, state.shape(),
                FourBitParams.of(state).encoding(BnbSchemeIds.fourBit(state.code())));
        StoredTensor logical = assemble(info, names);
        try {
            FourBitTensor.of(logical);
        } catch (IllegalArgumentException e) {
            throw refuse(weight, e.getMessage());
        }
        quantized.put(weight, logical);
        used.addAll(names.values());
    }

    private void groupInt8() throws BadInputException {
        for (String name : stored.keySet()) {
            if (name.endsWith(DOT_SCB) && !used.contains(name)) {
                String prefix = name.substring(0, name.length() - Int8Tensor.SCB.length());
                int8(prefix + Int8Tensor.WEIGHT, name, prefix + Int8Tensor.WEIGHT_FORMAT);
            }
        }
        for (String name : stored.keySet()) {
            if (name.endsWith(DOT_WEIGHT_FORMAT) && !used.contains(name)) {
                String prefix = name.substring(0, name.length() - Int8Tensor.WEIGHT_FORMAT.length());
                throw refuse(prefix + Int8Tensor.WEIGHT, "it has a weight_format (" + name + ") but no SCB ("
                        + prefix + Int8Tensor.SCB + "), the row scales of LLM.int8 codes");
            }
        }
    }

    private void int8(String weight, String scb, String format) throws BadInputException {
        StoredTensor codes = stored.get(weight);
        if (codes == null) {
            throw refuse(weight, "there is an LLM.int8 row scale " + scb + " but no weight " + weight);
        }
        Map<String, String> names = new LinkedHashMap<>();
        names.put(Int8Tensor.WEIGHT, weight);
        names.put(Int8Tensor.SCB, scb);
        if (stored.containsKey(format)) {
            names.put(Int8Tensor.WEIGHT_FORMAT, format);
        }
        StoredTensor logical = assemble(new TensorInfo(weight, codes.info().shape(), Encoding.of(BnbSchemeIds.INT8)), names);
        try {
            Int8Tensor.of(logical);
        } catch (IllegalArgumentException e) {
            throw refuse(weight, e.getMessage());
        }
        quantized.put(weight, logical);
        used.addAll(names.values());
    }

    /** One tensor of stored tensors, each becoming the part of its role. */
    private StoredTensor assemble(TensorInfo info, Map<String, String> namesByRole) {
        List<TensorPart> parts = new ArrayList<>();
        for (var e : namesByRole.entrySet()) {
            TensorPart p = stored.get(e.getValue()).parts().getFirst();
            parts.add(new TensorPart(new PartSpec(e.getKey(), p.spec().dtype(), p.spec().shape()), p.data()));
        }
        return new StoredTensor(info, parts);
    }

    private BadInputException refuse(String tensor, String problem) {
        return BadInputException.inTensor(path, tensor, problem);
    }
}
