package dev.requant.spi;

import java.util.Objects;

/** What a logical tensor is: its name, logical shape and type. */
public record TensorInfo(String name, Shape shape, TensorType type) {
    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(type, "type");
    }

    public TensorInfo withName(String newName) {
        return new TensorInfo(newName, shape, type);
    }

    public TensorInfo withType(TensorType newType) {
        return new TensorInfo(name, shape, newType);
    }

    @Override
    public String toString() {
        return name + " " + shape + " " + type.id();
    }
}
