package io.workerpool.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HttpBenchTest {
    @Test
    void threadsAreSortedIntoJitGcLibraryAndServerByTheirKernelNames() {
        // /proc/PID/task/TID/comm holds at most 15 bytes of the Java thread name
        assertThat(HttpBench.threadKind("C2 CompilerThre")).isEqualTo("JIT");
        assertThat(HttpBench.threadKind("C1 CompilerThre")).isEqualTo("JIT");
        assertThat(HttpBench.threadKind("GC Thread#1")).isEqualTo("GC and VM");
        assertThat(HttpBench.threadKind("G1 Refine#0")).isEqualTo("GC and VM");
        assertThat(HttpBench.threadKind("VM Thread")).isEqualTo("GC and VM");
        assertThat(HttpBench.threadKind("workerpool-hear")).isEqualTo("library");
        assertThat(HttpBench.threadKind("qtp12345-17")).isEqualTo("server");
    }
}
