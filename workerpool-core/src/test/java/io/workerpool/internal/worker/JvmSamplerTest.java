package io.workerpool.internal.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.workerpool.internal.metrics.JvmSample;
import org.junit.jupiter.api.Test;

/** The heartbeat's sampler reads this JVM's real figures; its cost is printed once (not judged: shared machine). */
class JvmSamplerTest {

    @Test
    void readsHeapGcThreadsCpuRssAndPssOfThisJvm() {
        JvmSampler sampler = new JvmSampler();
        JvmSample sample = sampler.sample();
        assertThat(sample.heapUsedBytes()).isPositive();
        assertThat(sample.heapCommittedBytes()).isGreaterThanOrEqualTo(sample.heapUsedBytes());
        assertThat(sample.gcCount()).isNotNegative();
        assertThat(sample.threads()).isGreaterThan(1);
        assertThat(sample.cpuNanos()).isPositive();
        assertThat(sample.rssBytes()).isPositive();
        assertThat(sample.pssBytes()).isPositive().isLessThanOrEqualTo(sample.rssBytes());
        assertThat(sample.uptimeMillis()).isPositive();

        int rounds = 200;
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long cpuBefore = threads.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            sampler.sample();
        }
        System.out.printf("JvmSampler: %d us per sample (wall), %d us of the sampling thread's CPU%n",
                (System.nanoTime() - start) / rounds / 1000,
                (threads.getCurrentThreadCpuTime() - cpuBefore) / rounds / 1000);
    }
}
