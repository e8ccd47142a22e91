package io.workerpool.internal.micrometer;

import io.workerpool.internal.wire.MeterFrames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSupport;
import io.workerpool.internal.wire.WireOutput;
import io.workerpool.internal.worker.MeterSink;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Encodes a registry's meters into {@code Meters} frames, straight into the channel's frame buffer (format:
 * {@link MeterFrames}): a meter is defined once, with an id, then sent as values. One
 * thread ships at a time. Internal to the module (its package is not exported). Per round it allocates the registry's meter list and, for histograms, Micrometer's
 * snapshots; nothing per counter or gauge.
 */
public final class MeterShipper {
    /** A frame is closed once it passes this; one record is far smaller than the rest of the frame limit. */
    private static final int FRAME_BUDGET = 512 * 1024;

    private final MeterRegistry registry;
    private final Map<Meter, Shipped> shipped = new IdentityHashMap<>();
    private int nextId;
    private List<Meter> round;
    private int cursor;

    private record Shipped(int id, byte type, int buckets) {
    }

    public MeterShipper(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Ships through the worker's channel; false when there is none (not a worker, master gone). */
    public synchronized boolean ship() {
        return ship(MeterSink::send);
    }

    /** Ships through {@code sender} (false: nobody to send to), one call per frame. */
    public synchronized boolean ship(java.util.function.Predicate<io.workerpool.internal.wire.Message.Meters.Payload> sender) {
        round = registry.getMeters();
        if (shipped.size() > round.size() + 1024) {
            shipped.keySet().retainAll(new java.util.HashSet<>(round)); // meters removed from the registry
        }
        cursor = 0;
        try {
            do {
                if (!sender.test(this::encodeFrame)) {
                    return false;
                }
            } while (cursor < round.size());
            return true;
        } finally {
            round = null;
        }
    }

    private void encodeFrame(WireOutput out) {
        out.writeByte(MeterFrames.VERSION);
        while (cursor < round.size() && out.size() < FRAME_BUDGET) {
            encode(out, round.get(cursor++));
        }
    }

    private void encode(WireOutput out, Meter meter) {
        Shipped known = shipped.get(meter);
        Shipped series = known != null ? known : define(out, meter);
        if (series == null) {
            return;
        }
        out.writeByte(MeterFrames.VALUE).writeInt(series.id()).writeByte(series.type());
        switch (meter) {
            case Counter c -> out.writeDouble(c.count());
            case FunctionCounter c -> out.writeDouble(c.count());
            case TimeGauge g -> out.writeDouble(g.value(TimeUnit.SECONDS));
            case Gauge g -> out.writeDouble(g.value());
            case Timer t when series.type() == MeterFrames.SUMMARY -> out.writeLong(t.count()).writeDouble(t.totalTime(TimeUnit.SECONDS));
            case FunctionTimer t -> out.writeLong((long) t.count()).writeDouble(t.totalTime(TimeUnit.SECONDS));
            case DistributionSummary s when series.type() == MeterFrames.SUMMARY -> out.writeLong(s.count()).writeDouble(s.totalAmount());
            case HistogramSupport h -> {
                var snapshot = h.takeSnapshot();
                boolean timer = meter instanceof Timer;
                out.writeLong(snapshot.count()).writeDouble(timer ? snapshot.total(TimeUnit.SECONDS) : snapshot.total());
                CountAtBucket[] buckets = snapshot.histogramCounts();
                int n = Math.min(series.buckets(), buckets.length);
                out.writeInt(series.buckets());
                for (int i = 0; i < series.buckets(); i++) {
                    out.writeLong(i < n ? (long) buckets[i].count() : snapshot.count());
                }
            }
            default -> out.writeDouble(Double.NaN); // not reached: define() ships only the kinds above
        }
    }

    private Shipped define(WireOutput out, Meter meter) {
        Meter.Id id = meter.getId();
        byte type;
        double[] bounds = null;
        String unit = id.getBaseUnit();
        switch (meter) {
            case Counter c -> type = MeterFrames.COUNTER;
            case FunctionCounter c -> type = MeterFrames.COUNTER;
            case TimeGauge g -> {
                type = MeterFrames.GAUGE;
                unit = "seconds";
            }
            case Gauge g -> type = MeterFrames.GAUGE;
            case FunctionTimer t -> {
                type = MeterFrames.SUMMARY;
                unit = "seconds";
            }
            case Timer t -> {
                bounds = bounds(t.takeSnapshot().histogramCounts(), true);
                type = bounds.length > 0 ? MeterFrames.HISTOGRAM : MeterFrames.SUMMARY;
                unit = "seconds";
            }
            case DistributionSummary s -> {
                bounds = bounds(s.takeSnapshot().histogramCounts(), false);
                type = bounds.length > 0 ? MeterFrames.HISTOGRAM : MeterFrames.SUMMARY;
            }
            default -> {
                return null; // long task timers and custom meters are not shipped
            }
        }
        List<Tag> tags = id.getTags();
        if (tags.size() > MeterFrames.MAX_TAGS || tooLong(id.getName())) {
            return null;
        }
        for (Tag tag : tags) {
            if (tooLong(tag.getKey()) || tooLong(tag.getValue())) {
                return null;
            }
        }
        Shipped series = new Shipped(nextId++, type, bounds == null ? 0 : bounds.length);
        shipped.put(meter, series);
        String help = id.getDescription();
        out.writeByte(MeterFrames.DEFINE).writeInt(series.id()).writeByte(type).writeString(id.getName()).writeString(unit)
                .writeString(help == null || help.length() > 1024 ? null : help).writeByte(tags.size());
        for (Tag tag : tags) {
            out.writeString(tag.getKey()).writeString(tag.getValue());
        }
        if (type == MeterFrames.HISTOGRAM) {
            out.writeInt(bounds.length);
            for (double bound : bounds) {
                out.writeDouble(bound);
            }
        }
        return series;
    }

    /** Finite bucket bounds (seconds for timers), ascending; +Inf is implied. */
    private static double[] bounds(CountAtBucket[] buckets, boolean seconds) {
        return java.util.Arrays.stream(buckets)
                .mapToDouble(b -> seconds ? b.bucket(TimeUnit.SECONDS) : b.bucket())
                .filter(Double::isFinite).toArray();
    }

    private static boolean tooLong(String s) {
        return s == null || s.length() > MeterFrames.MAX_STRING;
    }
}
