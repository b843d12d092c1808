package dev.requant.kernels.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.kernels.Kernels;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * The equivalence tests run at the vector width under test (the pom reruns them with
 * {@code -XX:UseAVX=0/2/3} and says the widest vector each run may have), and the kernel choice
 * follows the width.
 */
class VectorWidthTest {
    @Test
    void widthUnderTestAndKernelChoice() {
        int bits = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        System.out.println("[requant] Vector API width under test: " + bits + " bits, vector kernels in use: "
                + Kernels.vectorized());
        assertThat(bits).isGreaterThanOrEqualTo(128);
        String widest = System.getProperty("requant.test.maxVectorBits");
        if (widest != null) {
            assertThat(bits).isLessThanOrEqualTo(Integer.parseInt(widest));
        }
        String arch = System.getProperty("os.arch");
        boolean x86 = arch.equals("amd64") || arch.equals("x86_64");
        assertThat(Kernels.vectorized()).as("vector kernels chosen").isEqualTo(!x86 || bits >= 256);
        assertThat(Kernels.elements()).isSameAs(Kernels.vectorized()
                ? VectorElementKernels.INSTANCE : ScalarElementKernels.INSTANCE);
    }
}
