package io.workerpool.bench;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Logback appender, placed after the file appender, that counts the {@link FloodWork#LOGGER} records the
 * JVM has written and, at the expected count, writes a result file: the wall-clock time of the last record,
 * the peak of heap used (sampled every 10 ms from start-up), the heap still used after a full GC, and the
 * GC count and time. Configured from {@code flood-logback.xml} with {@code expected} and {@code resultFile}.
 */
public final class FloodCounter extends UnsynchronizedAppenderBase<ILoggingEvent> {
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong peakHeap = new AtomicLong();
    private volatile boolean sampling;
    private long expected;
    private String resultFile;

    public void setExpected(long expected) {
        this.expected = expected;
    }

    public void setResultFile(String resultFile) {
        this.resultFile = resultFile;
    }

    @Override
    public void start() {
        if (expected <= 0 || resultFile == null || resultFile.isBlank()) {
            addError("FloodCounter needs <expected> > 0 and a <resultFile>, got " + expected + " and " + resultFile);
            return;
        }
        sampling = true;
        Thread.ofPlatform().daemon().name("bench-heap-sampler").start(this::sampleHeap);
        super.start();
    }

    @Override
    public void stop() {
        sampling = false;
        super.stop();
    }

    @Override
    protected void append(ILoggingEvent event) {
        if (!FloodWork.LOGGER.equals(event.getLoggerName())) {
            return;
        }
        if (count.incrementAndGet() == expected) {
            writeResult(Stamps.epochNanos());
        }
    }

    private void sampleHeap() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        while (sampling) {
            peakHeap.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void writeResult(long endNanos) {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long peak = Math.max(peakHeap.get(), memory.getHeapMemoryUsage().getUsed());
        long gcCount = 0;
        long gcMillis = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            gcCount += Math.max(0, gc.getCollectionCount());
            gcMillis += Math.max(0, gc.getCollectionTime());
        }
        memory.gc();
        String result = "records=" + count.get() + "\n"
                + "endEpochNanos=" + endNanos + "\n"
                + "peakHeapBytes=" + peak + "\n"
                + "maxHeapBytes=" + memory.getHeapMemoryUsage().getMax() + "\n"
                + "heapAfterGcBytes=" + memory.getHeapMemoryUsage().getUsed() + "\n"
                + "gcCount=" + gcCount + "\n"
                + "gcMillis=" + gcMillis + "\n";
        Path target = Path.of(resultFile);
        Path temporary = target.resolveSibling(target.getFileName() + ".tmp");
        try {
            Files.writeString(temporary, result);
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the flood result to " + target, e);
        }
    }
}
