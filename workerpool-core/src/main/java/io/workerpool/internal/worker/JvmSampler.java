package io.workerpool.internal.worker;

import io.workerpool.internal.metrics.JvmSample;
import java.io.FileInputStream;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * Takes the {@link JvmSample} a heartbeat carries. Never called on the worker's boot path: the first heartbeat
 * goes without a sample, so java.lang.management is loaded a heartbeat interval after the worker started, on
 * the heartbeat thread. /proc is read with plain file reads into one reused buffer (Linux; elsewhere those
 * figures are -1). Only the heartbeat thread calls it.
 *
 * <p>Cost per sample: some 50 us of CPU, but reading {@code /proc/self/smaps_rollup} makes the kernel walk the
 * JVM's whole address space, 2 to 3 ms of CPU for a JVM: PSS is read again only every {@link #PSS_EVERY_NANOS}
 * and the samples in between repeat the last figure.
 */
final class JvmSampler {
    /** USER_HZ: the unit of utime and stime in /proc/self/stat; 100 on every Linux the JDK runs on. */
    private static final long NANOS_PER_TICK = 10_000_000L;
    static final long PSS_EVERY_NANOS = 5_000_000_000L;
    private final byte[] buffer = new byte[8192];
    private long pss = -1;
    private long pssReadNanos;
    private boolean pssRead;
    private List<GarbageCollectorMXBean> collectors;
    private long startMillis = -1;

    /** A sample, or null when taking it failed: a heartbeat must never fail because of its sample. */
    JvmSample sampleOrNull() {
        try {
            return sample();
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    JvmSample sample() {
        if (collectors == null) {
            collectors = ManagementFactory.getGarbageCollectorMXBeans();
            startMillis = ManagementFactory.getRuntimeMXBean().getStartTime();
        }
        long gcCount = 0;
        long gcMillis = 0;
        for (GarbageCollectorMXBean collector : collectors) {
            gcCount += Math.max(0, collector.getCollectionCount());
            gcMillis += Math.max(0, collector.getCollectionTime());
        }
        Runtime runtime = Runtime.getRuntime();
        long committed = runtime.totalMemory();
        long used = committed - runtime.freeMemory();
        int n = read("/proc/self/status");
        long rss = kilobytes(n, "VmRSS:");
        long threads = field(n, "Threads:");
        long now = System.nanoTime();
        if (!pssRead || now - pssReadNanos >= PSS_EVERY_NANOS) {
            pss = kilobytes(read("/proc/self/smaps_rollup"), "Pss:");
            pssReadNanos = now;
            pssRead = true;
        }
        long cpu = cpuNanos(read("/proc/self/stat"));
        return new JvmSample(used, committed, gcCount, gcMillis, threads, cpu, rss, pss,
                System.currentTimeMillis() - startMillis);
    }

    /** Reads a small /proc file into the buffer; returns its length, or 0 when it can't be read. */
    private int read(String path) {
        try (FileInputStream in = new FileInputStream(path)) {
            int n = 0;
            int r;
            while (n < buffer.length && (r = in.read(buffer, n, buffer.length - n)) > 0) {
                n += r;
            }
            return n;
        } catch (IOException e) {
            return 0;
        }
    }

    private long kilobytes(int length, String key) {
        long kb = field(length, key);
        return kb < 0 ? -1 : kb * 1024;
    }

    /** The first number after {@code key} at the start of a line, or -1. */
    private long field(int length, String key) {
        int at = indexOfLine(length, key);
        if (at < 0) {
            return -1;
        }
        int i = at + key.length();
        while (i < length && buffer[i] == ' ' || i < length && buffer[i] == '\t') {
            i++;
        }
        return number(i, length);
    }

    private int indexOfLine(int length, String key) {
        outer:
        for (int i = 0; i + key.length() <= length; i++) {
            if (i == 0 || buffer[i - 1] == '\n') {
                for (int k = 0; k < key.length(); k++) {
                    if (buffer[i + k] != key.charAt(k)) {
                        continue outer;
                    }
                }
                return i;
            }
        }
        return -1;
    }

    private long number(int from, int length) {
        long value = 0;
        int i = from;
        while (i < length && buffer[i] >= '0' && buffer[i] <= '9') {
            value = value * 10 + (buffer[i] - '0');
            i++;
        }
        return i == from ? -1 : value;
    }

    /** utime + stime (fields 14 and 15 of /proc/self/stat, counted after the command's closing parenthesis). */
    private long cpuNanos(int length) {
        int close = -1;
        for (int i = length - 1; i >= 0; i--) {
            if (buffer[i] == ')') {
                close = i;
                break;
            }
        }
        if (close < 0) {
            return -1;
        }
        // after ") " comes field 3 (state); utime is field 14
        int field = 2;
        long utime = -1;
        for (int i = close + 1; i < length; i++) {
            if (buffer[i] == ' ') {
                field++;
                if (field == 14) {
                    utime = number(i + 1, length);
                } else if (field == 15) {
                    long stime = number(i + 1, length);
                    return utime < 0 || stime < 0 ? -1 : (utime + stime) * NANOS_PER_TICK;
                }
            }
        }
        return -1;
    }
}
