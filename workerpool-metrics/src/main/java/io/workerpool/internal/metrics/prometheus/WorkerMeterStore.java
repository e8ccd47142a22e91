package io.workerpool.internal.metrics.prometheus;

import io.workerpool.internal.wire.MeterFrames;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.workerpool.internal.metrics.WorkerTelemetry;
import io.workerpool.internal.wire.ProtocolException;
import io.workerpool.internal.wire.WireInput;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application meters of every worker JVM, as their {@code Meters} frames ({@link MeterFrames}) last said,
 * served on {@code /metrics}: each series once per worker with a {@code worker} label, and for counters,
 * summaries and histograms once more with {@code worker="all"}, the pool-wide sum. A JVM's counters are folded
 * into that sum when it exits, so the pool-wide series never go backwards across restarts, reloads and
 * recycling (a worker's own series starts from zero in its next JVM, which Prometheus' {@code rate()} takes as
 * a reset).
 *
 * <p>Bounded: each JVM keeps at most {@code seriesLimit} series (one warning names a JVM that sends more; the
 * rest are dropped), and the folded totals of exited JVMs at most {@code seriesLimit} series too. Frames are
 * decoded on the channel reader threads, scrapes read on HTTP threads: one lock.
 */
public final class WorkerMeterStore implements WorkerTelemetry.MeterStore, MultiCollector {
    private static final Logger LOG = LoggerFactory.getLogger("io.workerpool.Supervisor");
    static final String POOL_WIDE = "all";

    private final int seriesLimit;
    private final Object lock = new Object();
    private final Map<Long, JvmMeters> live = new HashMap<>();
    private final Map<SeriesKey, Series> retired = new LinkedHashMap<>();
    private boolean retiredFullWarned;

    /** Keeps at most {@code seriesLimit} series per worker JVM, and as many folded series of exited ones. */
    public WorkerMeterStore(int seriesLimit) {
        this.seriesLimit = seriesLimit;
    }

    /** What identifies a series across JVMs: type, Prometheus name and labels (without worker). */
    record SeriesKey(byte type, String name, List<String> labels) {
    }

    /** One series of one JVM, or the folded totals of exited ones. */
    static final class Series {
        final SeriesKey key;
        final String help;
        final double[] bounds;
        double value;
        long count;
        double sum;
        final long[] cumulative;

        Series(SeriesKey key, String help, double[] bounds) {
            this.key = key;
            this.help = help;
            this.bounds = bounds;
            this.cumulative = new long[bounds.length];
        }

        void addTo(Series total) {
            total.value += value;
            total.count += count;
            total.sum += sum;
            if (Arrays.equals(bounds, total.bounds)) {
                for (int i = 0; i < cumulative.length; i++) {
                    total.cumulative[i] += cumulative[i];
                }
            }
        }
    }

    private static final class JvmMeters {
        int workerId;
        final Map<Integer, Series> byId = new HashMap<>();
        boolean cutOff;
        boolean malformedWarned;
    }

    @Override
    public void received(int workerId, long generation, ByteBuffer payload) {
        synchronized (lock) {
            JvmMeters jvm = live.computeIfAbsent(generation, g -> new JvmMeters());
            jvm.workerId = workerId;
            WireInput in = new WireInput(payload.duplicate());
            try {
                int version = in.readByte();
                if (version != MeterFrames.VERSION) {
                    throw new ProtocolException("meters frame version " + version + ", this master reads "
                            + MeterFrames.VERSION);
                }
                while (in.remaining() > 0) {
                    int kind = in.readByte();
                    if (kind == MeterFrames.DEFINE) {
                        define(jvm, workerId, generation, in);
                    } else if (kind == MeterFrames.VALUE) {
                        value(jvm, in);
                    } else {
                        throw new ProtocolException("unknown meters record " + kind);
                    }
                }
            } catch (ProtocolException | RuntimeException e) {
                if (!jvm.malformedWarned) {
                    jvm.malformedWarned = true;
                    LOG.warn("worker {} (JVM generation {}) sent a meters frame this master can't read ({}); the rest of"
                            + " that frame is dropped (is the worker's workerpool-micrometer the master's version?)",
                            workerId, generation, e instanceof ProtocolException ? e.getMessage() : e.toString());
                }
            }
        }
    }

    private void define(JvmMeters jvm, int workerId, long generation, WireInput in) throws ProtocolException {
        int id = in.readInt();
        byte type = (byte) in.readByte();
        String name = in.readString();
        String unit = in.readString();
        String help = in.readString();
        int tagCount = in.readByte() & 0xff;
        String[] tags = new String[tagCount * 2];
        for (int i = 0; i < tags.length; i++) {
            tags[i] = in.readString();
        }
        double[] bounds = new double[0];
        if (type == MeterFrames.HISTOGRAM) {
            int n = in.readInt();
            if (n < 0 || n > in.remaining() / 8) {
                throw new ProtocolException("implausible bucket count " + n);
            }
            bounds = new double[n];
            for (int i = 0; i < n; i++) {
                bounds[i] = in.readDouble();
            }
        } else if (type < MeterFrames.COUNTER || type > MeterFrames.HISTOGRAM) {
            throw new ProtocolException("unknown meter type " + type);
        }
        if (jvm.byId.containsKey(id)) {
            return; // defined again (the worker's module restarted its numbering): keep the first
        }
        if (jvm.byId.size() >= seriesLimit) {
            if (!jvm.cutOff) {
                jvm.cutOff = true;
                LOG.warn("worker {} (JVM generation {}) sent more than {} meter series: the master keeps its first {}"
                        + " and drops the rest for as long as this JVM lives (too many distinct tag values? raise the"
                        + " limit with -Dworkerpool.metrics.seriesLimit=N on the master)", workerId, generation,
                        seriesLimit, seriesLimit);
            }
            return;
        }
        SeriesKey key = keyOf(type, name, unit, tags);
        if (key == null || bounds.length > MeterFrames.MAX_BOUNDS || !ascending(bounds)) {
            return;
        }
        jvm.byId.put(id, new Series(key, help == null || help.length() > 1024 ? "" : help, bounds));
    }

    private static void value(JvmMeters jvm, WireInput in) throws ProtocolException {
        Series series = jvm.byId.get(in.readInt());
        byte type = (byte) in.readByte();
        boolean keep = series != null && series.key.type() == type; // else dropped (over the limit, bad name)
        switch (type) {
            case MeterFrames.COUNTER, MeterFrames.GAUGE -> {
                double value = in.readDouble();
                if (keep) {
                    series.value = value;
                }
            }
            case MeterFrames.SUMMARY -> {
                long count = in.readLong();
                double sum = in.readDouble();
                if (keep) {
                    series.count = count;
                    series.sum = sum;
                }
            }
            case MeterFrames.HISTOGRAM -> {
                long count = in.readLong();
                double sum = in.readDouble();
                int n = in.readInt();
                if (n < 0 || n > in.remaining() / 8) {
                    throw new ProtocolException("implausible bucket count " + n);
                }
                keep = keep && n == series.cumulative.length;
                if (keep) {
                    series.count = count;
                    series.sum = sum;
                }
                for (int i = 0; i < n; i++) {
                    long cumulative = in.readLong();
                    if (keep) {
                        series.cumulative[i] = cumulative;
                    }
                }
            }
            default -> throw new ProtocolException("unknown meter type " + type);
        }
    }

    @Override
    public void exited(long generation) {
        synchronized (lock) {
            JvmMeters jvm = live.remove(generation);
            if (jvm == null) {
                return;
            }
            for (Series series : jvm.byId.values()) {
                if (series.key.type() == MeterFrames.GAUGE) {
                    continue;
                }
                Series total = retired.get(series.key);
                if (total == null) {
                    if (retired.size() >= seriesLimit) {
                        if (!retiredFullWarned) {
                            retiredFullWarned = true;
                            LOG.warn("the pool-wide totals of exited workers reached {} meter series: the counts of"
                                    + " further series are not kept when their worker exits", seriesLimit);
                        }
                        continue;
                    }
                    total = new Series(series.key, series.help, series.bounds);
                    retired.put(series.key, total);
                }
                series.addTo(total);
            }
        }
    }

    /** How many series the store holds, live and folded (for tests and the bench). */
    public int seriesCount() {
        synchronized (lock) {
            return retired.size() + live.values().stream().mapToInt(j -> j.byId.size()).sum();
        }
    }

    @Override
    public MetricSnapshots collect() {
        // family name -> (labels with worker) -> aggregate; TreeMaps for a stable output order
        Map<String, Family> families = new TreeMap<>();
        synchronized (lock) {
            for (JvmMeters jvm : live.values()) {
                String worker = Integer.toString(jvm.workerId);
                for (Series series : jvm.byId.values()) {
                    Family family = families.computeIfAbsent(series.key.name(), n -> new Family(series));
                    if (family.type != series.key.type()) {
                        continue; // the same name as another type in another worker: the first one wins
                    }
                    family.add(series, worker);
                    if (series.key.type() != MeterFrames.GAUGE) {
                        family.add(series, POOL_WIDE);
                    }
                }
            }
            for (Series series : retired.values()) {
                Family family = families.computeIfAbsent(series.key.name(), n -> new Family(series));
                if (family.type == series.key.type()) {
                    family.add(series, POOL_WIDE);
                }
            }
        }
        List<MetricSnapshot> snapshots = new ArrayList<>(families.size());
        families.forEach((name, family) -> snapshots.add(family.snapshot(name)));
        return new MetricSnapshots(snapshots);
    }

    /** One metric family at scrape time. */
    private static final class Family {
        final byte type;
        final String help;
        final double[] bounds;
        final Map<List<String>, Series> points = new LinkedHashMap<>();

        Family(Series first) {
            this.type = first.key.type();
            this.help = first.help;
            this.bounds = first.bounds;
        }

        void add(Series series, String worker) {
            if (type == MeterFrames.HISTOGRAM && !Arrays.equals(bounds, series.bounds)) {
                return; // buckets merge only with the same bounds
            }
            List<String> labels = new ArrayList<>(series.key.labels().size() + 2);
            labels.addAll(series.key.labels());
            labels.add("worker");
            labels.add(worker);
            series.addTo(points.computeIfAbsent(labels, l -> new Series(series.key, help, bounds)));
        }

        MetricSnapshot snapshot(String name) {
            MetricMetadata metadata = new MetricMetadata(name, help.isEmpty() ? null : help);
            return switch (type) {
                case MeterFrames.COUNTER -> new CounterSnapshot(metadata, points.entrySet().stream()
                        .map(e -> new CounterSnapshot.CounterDataPointSnapshot(e.getValue().value, labels(e.getKey()),
                                null, 0)).toList());
                case MeterFrames.GAUGE -> new GaugeSnapshot(metadata, points.entrySet().stream()
                        .map(e -> new GaugeSnapshot.GaugeDataPointSnapshot(e.getValue().value, labels(e.getKey()),
                                null)).toList());
                case MeterFrames.SUMMARY -> new SummarySnapshot(metadata, points.entrySet().stream()
                        .map(e -> new SummarySnapshot.SummaryDataPointSnapshot(e.getValue().count, e.getValue().sum,
                                Quantiles.EMPTY, labels(e.getKey()), Exemplars.EMPTY, 0)).toList());
                default -> new HistogramSnapshot(metadata, points.entrySet().stream()
                        .map(e -> new HistogramSnapshot.HistogramDataPointSnapshot(buckets(e.getValue()),
                                e.getValue().sum, labels(e.getKey()), Exemplars.EMPTY, 0)).toList());
            };
        }

        /** Cumulative counts at each bound, then +Inf (the count), as the client's per-bucket counts. */
        private static ClassicHistogramBuckets buckets(Series series) {
            int n = series.bounds.length;
            double[] upper = Arrays.copyOf(series.bounds, n + 1);
            upper[n] = Double.POSITIVE_INFINITY;
            long[] counts = new long[n + 1];
            long below = 0;
            for (int i = 0; i < n; i++) {
                long cumulative = Math.max(below, Math.min(series.cumulative[i], series.count));
                counts[i] = cumulative - below;
                below = cumulative;
            }
            counts[n] = Math.max(0, series.count - below);
            return ClassicHistogramBuckets.of(upper, counts);
        }

        private static Labels labels(List<String> pairs) {
            String[] names = new String[pairs.size() / 2];
            String[] values = new String[names.length];
            for (int i = 0; i < names.length; i++) {
                names[i] = pairs.get(2 * i);
                values[i] = pairs.get(2 * i + 1);
            }
            return Labels.of(names, values);
        }
    }

    /** The Prometheus name and labels of a meter, or null when it can't be served (bad or reserved name). */
    static SeriesKey keyOf(byte type, String name, String unit, String[] tags) {
        if (name == null || name.isEmpty() || name.length() > MeterFrames.MAX_STRING
                || tags.length / 2 > MeterFrames.MAX_TAGS) {
            return null;
        }
        String base = sanitize(name, false);
        for (String reserved : List.of("_total", "_created", "_bucket", "_count", "_sum", "_info")) {
            while (base.endsWith(reserved) && base.length() > reserved.length()) {
                base = base.substring(0, base.length() - reserved.length());
            }
        }
        if (unit != null && !unit.isEmpty() && unit.length() <= 32) {
            String suffix = "_" + sanitize(unit, false);
            if (!base.endsWith(suffix)) {
                base += suffix;
            }
        }
        if (base.startsWith("workerpool_") || base.startsWith("__")) {
            return null; // the master's own metrics
        }
        TreeMap<String, String> labels = new TreeMap<>();
        for (int i = 0; i + 1 < tags.length; i += 2) {
            String key = tags[i];
            String value = tags[i + 1];
            if (key == null || value == null || key.isEmpty() || key.length() > MeterFrames.MAX_STRING
                    || value.length() > MeterFrames.MAX_STRING) {
                return null;
            }
            String label = sanitize(key, true);
            if (label.equals("worker") || label.equals("le") || label.equals("quantile") || label.startsWith("__")) {
                label = "tag_" + label;
            }
            if (labels.put(label, value) != null) {
                return null; // two tags that read the same as labels
            }
        }
        List<String> pairs = new ArrayList<>(labels.size() * 2);
        labels.forEach((k, v) -> {
            pairs.add(k);
            pairs.add(v);
        });
        return new SeriesKey(type, base, List.copyOf(pairs));
    }

    private static String sanitize(String name, boolean label) {
        StringBuilder out = new StringBuilder(name.length() + 1);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= '0' && c <= '9' && i > 0
                    || c == ':' && !label;
            out.append(ok ? c : c >= '0' && c <= '9' ? "_" + c : "_");
        }
        return out.toString();
    }

    private static boolean ascending(double[] bounds) {
        for (int i = 0; i < bounds.length; i++) {
            if (!Double.isFinite(bounds[i]) || i > 0 && bounds[i] <= bounds[i - 1]) {
                return false;
            }
        }
        return true;
    }
}
