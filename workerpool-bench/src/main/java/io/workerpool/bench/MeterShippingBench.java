package io.workerpool.bench;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.workerpool.internal.metrics.prometheus.WorkerMeterStore;
import io.workerpool.internal.micrometer.MeterShipper;
import io.workerpool.internal.wire.FrameChannel;
import io.workerpool.internal.wire.Message;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cost of shipping application meters (workerpool-micrometer to workerpool-metrics), in one JVM, over a
 * real Unix socket and the real frame channel: a worker-side registry of 1,000 series (900 counters, 100 gauges)
 * ships to a reader thread that decodes into the master's store, as the master's channel readers do.
 *
 * <p>Row 1, worker CPU per second: the shipping thread's CPU time per round (encode + send), divided by the
 * default 10 s interval. Row 2, master memory per 10,000 series: the heap the store retains (after GC) and the
 * process RSS growth, with 10 JVMs' worth of 1,000 series each. Run: {@code java -cp
 * $(cat workerpool-bench/target/classpath.txt):workerpool-bench/target/classes io.workerpool.bench.MeterShippingBench
 * [rounds]}; prints two markdown rows. {@code ./run-bench --only meters} runs it as a row of the report.
 */
public final class MeterShippingBench {
    private static final int SERIES = 1_000;
    static final double INTERVAL_SECONDS = 10;

    private MeterShippingBench() {
    }

    /** One measurement: the shipping thread's CPU per round, and the master's memory for 10 JVMs' series. */
    record Result(int series, double cpuMicrosPerRound, long frames, long seriesHeld, double heapRetainedMb,
            double rssGrowthMb) {
        /** The worker's CPU to ship {@link #series} every {@link #INTERVAL_SECONDS} s, in % of one core. */
        double cpuPercentOfCore() {
            return cpuMicrosPerRound / 1e6 / INTERVAL_SECONDS * 100;
        }
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        Result result = measure(rounds);
        System.out.printf(Locale.ROOT, "| meters: worker CPU to ship %,d series every %.0f s | %.1f us per round"
                + " = %.4f%% of a core (%d frames) |%n", result.series(), INTERVAL_SECONDS,
                result.cpuMicrosPerRound(), result.cpuPercentOfCore(), result.frames());
        System.out.printf(Locale.ROOT, "| meters: master memory per 10,000 series (%d held) | heap retained %.1f MB,"
                + " RSS growth %.1f MB |%n", result.seriesHeld(), result.heapRetainedMb(), result.rssGrowthMb());
    }

    /** Ships {@code rounds} times (after 20 rounds of warm-up), then fills a store with 10 JVMs' series. */
    static Result measure(int rounds) throws IOException, InterruptedException {
        SimpleMeterRegistry registry = registry(0);
        WorkerMeterStore store = new WorkerMeterStore(10_000);
        Path dir = Files.createTempDirectory("meter-bench");
        Path socket = dir.resolve("s");
        double cpuMicrosPerRound;
        AtomicLong frames = new AtomicLong();
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX);
            client.connect(UnixDomainSocketAddress.of(socket));
            SocketChannel accepted = server.accept();
            FrameChannel worker = new FrameChannel(client);
            FrameChannel master = new FrameChannel(accepted);
            Thread reader = Thread.ofPlatform().daemon().start(() -> read(master, store, frames));
            MeterShipper shipper = new MeterShipper(registry);
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            ship(shipper, worker, 20); // warm-up, and the one-time definitions
            long cpu = threads.getCurrentThreadCpuTime();
            ship(shipper, worker, rounds);
            cpuMicrosPerRound = (threads.getCurrentThreadCpuTime() - cpu) / 1e3 / rounds;
            client.close();
            reader.join(10_000);
            accepted.close();
        } finally {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }

        // master memory: 10 JVMs x 1,000 series
        WorkerMeterStore held = new WorkerMeterStore(10_000);
        long heapBefore = usedHeapAfterGc();
        long rssBefore = ProcFs.rssBytes(ProcessHandle.current().pid());
        for (int jvm = 1; jvm <= 10; jvm++) {
            MeterShipper shipper = new MeterShipper(registry(jvm));
            shipper.ship(payload -> {
                io.workerpool.internal.wire.WireOutput out = new io.workerpool.internal.wire.WireOutput();
                payload.writeTo(out);
                return deliver(held, out);
            });
        }
        long heapAfter = usedHeapAfterGc();
        long rssAfter = ProcFs.rssBytes(ProcessHandle.current().pid());
        return new Result(SERIES, cpuMicrosPerRound, frames.get(), held.seriesCount(),
                (heapAfter - heapBefore) / 1048576.0, (rssAfter - rssBefore) / 1048576.0);
    }

    /** As the master's reader: the frame decoded as a message first, then stored under the JVM's generation. */
    private static boolean deliver(WorkerMeterStore store, io.workerpool.internal.wire.WireOutput out) {
        try {
            Message.Meters meters = (Message.Meters) Message.read(Message.Meters.TYPE,
                    new io.workerpool.internal.wire.WireInput(out.buffer()));
            store.received(0, CURRENT.get(), ((Message.Meters.Received) meters.payload()).bytes());
            return true;
        } catch (io.workerpool.internal.wire.ProtocolException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The generation the next registry's frames are stored under. */
    private static final AtomicLong CURRENT = new AtomicLong();

    private static SimpleMeterRegistry registry(int jvm) {
        CURRENT.set(jvm);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        for (int i = 0; i < SERIES - 100; i++) {
            Counter.builder("app.requests").tag("route", "/r" + i).tag("status", "200").register(registry)
                    .increment(i);
        }
        for (int i = 0; i < 100; i++) {
            int v = i;
            Gauge.builder("app.queue.depth", () -> v).tag("queue", "q" + i).register(registry);
        }
        return registry;
    }

    private static void ship(MeterShipper shipper, FrameChannel channel, int rounds) {
        for (int i = 0; i < rounds; i++) {
            shipper.ship(payload -> {
                try {
                    channel.send(new Message.Meters(payload));
                    return true;
                } catch (IOException e) {
                    return false;
                }
            });
        }
    }

    private static void read(FrameChannel channel, WorkerMeterStore store, AtomicLong frames) {
        try {
            while (true) {
                if (channel.receive() instanceof Message.Meters meters
                        && meters.payload() instanceof Message.Meters.Received received) {
                    store.received(0, 1, received.bytes());
                    frames.incrementAndGet();
                }
            }
        } catch (IOException e) {
            // the worker side closed: done
        }
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
