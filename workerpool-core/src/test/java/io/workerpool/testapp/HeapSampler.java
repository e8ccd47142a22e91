package io.workerpool.testapp;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * Records the heap of this JVM into a file, one line per period:
 * {@code heap used=<bytes> maxUsed=<bytes> maxAfterGc=<bytes> gcs=<count> max=<bytes>}.
 *
 * <p>{@code used} is what the heap holds at the sample, garbage included, so it climbs towards the limit
 * between collections whatever the program keeps; {@code maxAfterGc} is the most the heap held right after
 * any collection (summed over the heap pools, from the collectors' notifications), which is what the
 * program actually keeps alive: a master that queued records would show it growing.
 */
final class HeapSampler implements AutoCloseable {
    private final Path file;
    private final AtomicLong maxUsed = new AtomicLong();
    private final AtomicLong maxAfterGc = new AtomicLong();
    private final AtomicLong collections = new AtomicLong();
    private final Set<String> heapPools;
    private final Thread thread;
    private final NotificationListener listener = this::onNotification;
    private volatile boolean closed;

    private HeapSampler(Path file, Duration period) {
        this.file = file;
        this.heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).map(p -> p.getName()).collect(Collectors.toSet());
        this.thread = Thread.ofPlatform().daemon().name("heap-sampler").unstarted(() -> run(period));
    }

    static HeapSampler start(Path file, Duration period) {
        HeapSampler sampler = new HeapSampler(file, period);
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((NotificationEmitter) gc).addNotificationListener(sampler.listener, null, null);
        }
        sampler.thread.start();
        return sampler;
    }

    private void onNotification(Notification notification, Object handback) {
        if (!notification.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
            return;
        }
        GarbageCollectionNotificationInfo info =
                GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
        long after = 0;
        for (Map.Entry<String, MemoryUsage> pool : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
            if (heapPools.contains(pool.getKey())) {
                after += pool.getValue().getUsed();
            }
        }
        collections.incrementAndGet();
        maxAfterGc.accumulateAndGet(after, Math::max);
    }

    private void run(Duration period) {
        while (!closed) {
            sample();
            try {
                Thread.sleep(period);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private synchronized void sample() {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        maxUsed.accumulateAndGet(heap.getUsed(), Math::max);
        TestPool.record(file, "heap used=" + heap.getUsed() + " maxUsed=" + maxUsed.get() + " maxAfterGc="
                + maxAfterGc.get() + " gcs=" + collections.get() + " max=" + heap.getMax());
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        sample();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            try {
                ((NotificationEmitter) gc).removeNotificationListener(listener);
            } catch (javax.management.ListenerNotFoundException ignored) {
                // not registered on this one
            }
        }
    }
}
