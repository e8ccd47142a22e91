package io.workerpool.bench;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * Turns {@link Measurements} into the results table and the report around it: header (date, command,
 * machine, versions), table, notes, and how each figure was measured. Verdicts compare medians.
 */
final class Report {
    static final String OURS = "workerpool";
    static final String OURS_AOT = "workerpool, workers on an AOT cache";
    static final String OURS_SPARES = "workerpool, spares(1)";
    static final String NODE = "Node.js cluster";
    static final String GUNICORN = "gunicorn";
    static final String METERS_ROW = "Cost of shipping metrics: worker CPU per second at 1,000 series; master RSS per"
            + " 10,000 series";
    static final double RESTART_OVER_BARE_TARGET = 1.5;
    static final double AOT_RESTART_OVER_BARE_TARGET = 1.2;
    static final double START_CPU_OVER_BARE_TARGET = 1.5;
    static final double COLD_START_OVER_NODE_TARGET = 2.0;
    static final double LOG_RATE_TARGET = 200_000;
    static final double LOG_OVER_ONE_JVM_TARGET = 0.9;
    static final double HTTP_RATIO_TARGET = 1.5;
    static final double HTTP_OVER_ALONE_TARGET = 0.97;
    static final double HTTP_P99_OVER_ALONE_TARGET = 1.5;
    static final double IDLE_CPU_TARGET = 0.5;
    static final double WORKER_OVERHEAD_TARGET_MB = 5;

    private final Measurements m;
    private final BenchSettings settings;

    Report(Measurements m, BenchSettings settings) {
        this.m = m;
        this.settings = settings;
    }

    List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        restartRows(rows);
        restartCpuRow(rows);
        classCountRow(rows);
        coldStartRow(rows);
        logRows(rows);
        httpRows(rows);
        footprintRows(rows);
        meterRows(rows);
        return rows;
    }

    private void restartRows(List<Row> rows) {
        Summary ours = perRun(OURS, r -> Summary.percentile(r.restartMs(), 50));
        Summary gunicorn = perRun(GUNICORN, r -> Summary.percentile(r.restartMs(), 50));
        rows.add(new Row("Restart: SIGKILL → replacement ready, p50 (ms)", ms(ours),
                peerCell(NODE, perRun(NODE, r -> Summary.percentile(r.restartMs(), 50)), ResultTable::millis),
                peerCell(GUNICORN, gunicorn, ResultTable::millis), ratio(ours, gunicorn, " of gunicorn"),
                "— (hot spares: below)", Row.NONE));
        Summary ours95 = perRun(OURS, r -> Summary.percentile(r.restartMs(), 95));
        Summary gunicorn95 = perRun(GUNICORN, r -> Summary.percentile(r.restartMs(), 95));
        rows.add(new Row("Restart, p95 (ms)", ms(ours95),
                peerCell(NODE, perRun(NODE, r -> Summary.percentile(r.restartMs(), 95)), ResultTable::millis),
                peerCell(GUNICORN, gunicorn95, ResultTable::millis), ratio(ours95, gunicorn95, " of gunicorn"),
                Row.NONE, Row.NONE));
        Summary bare = perRun(OURS, r -> Summary.percentile(r.bareStartMs(), 50));
        rows.add(new Row("Bare JVM start (hello world), p50 (ms): the floor", ms(bare), Row.NONE, Row.NONE,
                bare == null || ours == null ? Row.NONE
                        : "restart p50 = " + ResultTable.ratio(ours.median() / bare.median()),
                "restart p50 ≤ 1.5× this (no spares)",
                verdict(ours, bare, (o, b) -> o <= RESTART_OVER_BARE_TARGET * b)));
        if (!m.lifecycle(OURS_AOT).isEmpty() || m.skipped.containsKey(OURS_AOT)) {
            Summary aot = perRun(OURS_AOT, r -> Summary.percentile(r.restartMs(), 50));
            Summary aot95 = perRun(OURS_AOT, r -> Summary.percentile(r.restartMs(), 95));
            rows.add(new Row("↳ Restart p50; p95 (ms), workers on an AOT cache (`aotCache(file)`,"
                    + " JDK 25)", aot == null ? m.skipped.getOrDefault(OURS_AOT, "skipped")
                    : ms(aot) + "; p95 " + ms(aot95), Row.NONE, Row.NONE,
                    aot == null || bare == null ? Row.NONE : "= " + ResultTable.ratio(aot.median() / bare.median())
                            + " of bare JVM", "≤ 1.2× bare JVM", verdict(aot, bare,
                    (o, b) -> o <= AOT_RESTART_OVER_BARE_TARGET * b)));
        }
        if (!m.lifecycle(OURS_SPARES).isEmpty()) {
            Summary spares = perRun(OURS_SPARES, r -> Summary.percentile(r.restartMs(), 50));
            Summary spares95 = perRun(OURS_SPARES, r -> Summary.percentile(r.restartMs(), 95));
            rows.add(new Row("Restart with hot spares (`spares(1)`): SIGKILL → the spare's onStart ran, p50 (ms)",
                    ms(spares), Row.NONE, peerCell(GUNICORN, gunicorn, ResultTable::millis),
                    ratio(spares, gunicorn, " of gunicorn"), "≤ gunicorn's", verdict(spares, gunicorn, (o, g) -> o <= g)));
            rows.add(new Row("↳ with hot spares, p95 (ms)", ms(spares95), Row.NONE,
                    peerCell(GUNICORN, gunicorn95, ResultTable::millis), ratio(spares95, gunicorn95, " of gunicorn"),
                    Row.NONE, Row.NONE));
        }
    }

    /** Classes loaded until ready: a count from the JVM's class-load log, not a timing. */
    private void classCountRow(List<Row> rows) {
        ClassCount.Result c = m.classes;
        if (c == null) {
            return;
        }
        rows.add(new Row("Classes loaded by a worker until its onStart vs a bare JVM until main()",
                c.worker() + " (" + c.fromCds() + " from the CDS archive)", Row.NONE, Row.NONE,
                "bare JVM " + c.bare() + "; " + ResultTable.ratio((double) c.worker() / c.bare()), Row.NONE, Row.NONE));
    }

    /** CPU time, not wall time: what a start costs, whatever the neighbours do. */
    private void restartCpuRow(List<Row> rows) {
        ToDoubleFunction<LifecycleBench.Run> restartCpu = r -> p50(r.restartCpuMs());
        Summary ours = perRun(OURS, restartCpu);
        Summary bare = perRun(OURS, r -> p50(r.bareStartCpuMs()));
        Summary aot = perRun(OURS_AOT, restartCpu);
        List<String> others = new ArrayList<>();
        if (bare != null) {
            others.add("bare JVM " + ResultTable.millis(bare.median()));
        }
        if (aot != null) {
            others.add("AOT cache " + ResultTable.millis(aot.median()));
        }
        rows.add(new Row("Restart: CPU time the new worker used until ready, p50 (ms)", ms(ours),
                peerCell(NODE, perRun(NODE, restartCpu), ResultTable::millis),
                peerCell(GUNICORN, perRun(GUNICORN, restartCpu), ResultTable::millis),
                others.isEmpty() ? Row.NONE : String.join("; ", others), "≤ 1.5× bare JVM (no AOT cache)",
                verdict(ours, bare, (o, b) -> o <= START_CPU_OVER_BARE_TARGET * b)));
    }

    /** The median of the finite values, NaN when there are none. */
    private static double p50(List<Double> values) {
        List<Double> finite = values.stream().filter(Double::isFinite).toList();
        return finite.isEmpty() ? Double.NaN : Summary.percentile(finite, 50);
    }

    private void coldStartRow(List<Row> rows) {
        Summary ours = perRun(OURS, LifecycleBench.Run::coldStartMs);
        Summary node = perRun(NODE, LifecycleBench.Run::coldStartMs);
        rows.add(new Row("Cold start: launch → " + settings.poolWorkers() + " workers ready (ms)", ms(ours),
                peerCell(NODE, node, ResultTable::millis),
                peerCell(GUNICORN, perRun(GUNICORN, LifecycleBench.Run::coldStartMs), ResultTable::millis),
                ratio(ours, node, " of Node"), "≤ 2× Node's",
                verdict(ours, node, (o, n) -> o <= COLD_START_OVER_NODE_TARGET * n)));
        Summary aot = perRun(OURS_AOT, LifecycleBench.Run::coldStartMs);
        if (aot != null) {
            rows.add(new Row("↳ Cold start (ms), workers on an AOT cache (`aotCache(file)`)", ms(aot), Row.NONE, Row.NONE,
                    ratio(aot, node, " of Node"), "≤ 2× Node's",
                    verdict(aot, node, (o, n) -> o <= COLD_START_OVER_NODE_TARGET * n)));
        }
    }

    private void logRows(List<Row> rows) {
        if (m.floodPool.isEmpty()) {
            String why = m.skipped.getOrDefault("logs", "not run");
            rows.add(new Row("Log forwarding: 4 workers → master → file (records/s)", why, Row.NONE, Row.NONE,
                    Row.NONE, "≥ 200,000/s, heap bounded", Row.NONE));
            return;
        }
        Summary pool = Summary.of(m.floodPool.stream().map(LogFloodBench.Run::recordsPerSecond).toList());
        Summary direct = m.floodDirect.isEmpty() ? null
                : Summary.of(m.floodDirect.stream().map(LogFloodBench.Run::recordsPerSecond).toList());
        boolean allWritten = m.floodPool.stream().allMatch(r -> r.fileLines() >= m.floodRecords);
        rows.add(new Row("Log forwarding: 4 workers → master's Logback file (records/s)",
                ResultTable.cell(pool, ResultTable::count), Row.NONE, Row.NONE,
                direct == null ? Row.NONE : ResultTable.ratio(pool.median() / direct.median()) + " of one JVM",
                "≥ 0.9× one JVM", direct == null ? Row.NONE
                        : ResultTable.verdict(pool.median() >= LOG_OVER_ONE_JVM_TARGET * direct.median())));
        rows.add(Row.ours("Same records, 4 threads of one JVM → Logback file (records/s)",
                ResultTable.cell(direct, ResultTable::count)));
        Summary cost = Summary.of(m.floodPool.stream().map(LogFloodBench.Run::cpuMicrosPerRecord).toList());
        Summary directCost = m.floodDirect.isEmpty() ? null
                : Summary.of(m.floodDirect.stream().map(LogFloodBench.Run::cpuMicrosPerRecord).toList());
        rows.add(new Row("CPU time per record, master + workers (µs; one JVM: " + (directCost == null ? Row.NONE
                : ResultTable.millis(directCost.median())) + ")", ResultTable.cell(cost, ResultTable::millis), Row.NONE,
                Row.NONE, directCost == null ? Row.NONE : ResultTable.ratio(cost.median() / directCost.median())
                        + " of one JVM", Row.NONE, Row.NONE));
        Summary peak = Summary.of(m.floodPool.stream().map(LogFloodBench.Run::peakHeapMb).toList());
        Summary live = Summary.of(m.floodPool.stream().map(LogFloodBench.Run::heapAfterGcMb).toList());
        rows.add(new Row("Master heap during the flood, peak used (MB, " + LogFloodBench.MASTER_HEAP + ")",
                ResultTable.cell(peak, ResultTable::megabytes), Row.NONE, Row.NONE, Row.NONE,
                "bounded: every record written within " + LogFloodBench.MASTER_HEAP,
                ResultTable.verdict(allWritten)));
        rows.add(Row.ours("Master heap after the flood and a full GC (MB)", ResultTable.cell(live,
                ResultTable::megabytes)));
        rows.add(Row.ours("Master CPU during the flood (% of one core)", ResultTable.cell(
                Summary.of(m.floodPool.stream().map(LogFloodBench.Run::cpuPercent).toList()), ResultTable::percent)));
    }

    private void httpRows(List<Row> rows) {
        String metric = "HTTP, " + settings.httpWorkers() + " workers, " + Wrk.describe() + " -d"
                + settings.httpDuration().toSeconds() + "s";
        if (m.httpJetty.isEmpty()) {
            rows.add(new Row(metric + " (requests/s)", m.skipped.getOrDefault("http", "not run"), Row.NONE, Row.NONE,
                    Row.NONE, "≥ 1.5× Node's", Row.NONE));
            return;
        }
        Summary jetty = Summary.of(m.httpJetty.stream().map(Wrk.Result::requestsPerSecond).toList());
        Summary node = m.httpNode.isEmpty() ? null
                : Summary.of(m.httpNode.stream().map(Wrk.Result::requestsPerSecond).toList());
        String notCompared = "not compared";
        rows.add(new Row(metric + ": Jetty example vs Node hello world (requests/s)",
                ResultTable.cell(jetty, ResultTable::count), peerCell(NODE, node, ResultTable::count), notCompared,
                ratio(jetty, node, " of Node"), "≥ 1.5× Node's",
                verdict(jetty, node, (j, n) -> j >= HTTP_RATIO_TARGET * n)));
        Summary jettyP99 = Summary.of(m.httpJetty.stream().map(Wrk.Result::p99Millis).toList());
        Summary nodeP99 = m.httpNode.isEmpty() ? null
                : Summary.of(m.httpNode.stream().map(Wrk.Result::p99Millis).toList());
        rows.add(new Row("HTTP p99 latency (ms)", ResultTable.cell(jettyP99, ResultTable::millis),
                peerCell(NODE, nodeP99, ResultTable::millis), notCompared, ratio(jettyP99, nodeP99, " of Node"),
                Row.NONE, Row.NONE));
        if (!m.httpAlone.isEmpty()) {
            Summary alone = Summary.of(m.httpAlone.stream().map(Wrk.Result::requestsPerSecond).toList());
            Summary aloneP99 = Summary.of(m.httpAlone.stream().map(Wrk.Result::p99Millis).toList());
            rows.add(new Row("↳ the same Jetty server alone in one JVM, the threads of " + settings.httpWorkers()
                    + " workers (requests/s)", ResultTable.cell(alone, ResultTable::count), Row.NONE, Row.NONE,
                    "pool = " + ResultTable.ratio(jetty.median() / alone.median()), "pool ≥ 0.97× this",
                    ResultTable.verdict(jetty.median() >= HTTP_OVER_ALONE_TARGET * alone.median())));
            rows.add(new Row("↳ its p99 latency (ms)", ResultTable.cell(aloneP99, ResultTable::millis), Row.NONE,
                    Row.NONE, "pool = " + ResultTable.ratio(jettyP99.median() / aloneP99.median()),
                    "pool ≤ 1.5× this",
                    ResultTable.verdict(jettyP99.median() <= HTTP_P99_OVER_ALONE_TARGET * aloneP99.median())));
        }
        List<Double> shares = m.httpJetty.stream().map(Wrk.Result::busiestShare).filter(Double::isFinite).toList();
        if (!shares.isEmpty()) {
            rows.add(new Row("HTTP: responses per worker, the busiest worker's share (even: "
                    + ResultTable.percent(100.0 / settings.httpWorkers()) + ")", ResultTable.cell(Summary.of(
                    shares.stream().map(x -> 100 * x).toList()), ResultTable::percent), Row.NONE, Row.NONE, Row.NONE,
                    Row.NONE, Row.NONE));
        }
        List<Double> bursts = m.httpJetty.stream().map(Wrk.Result::burstBusiestShare).filter(Double::isFinite)
                .toList();
        if (!bursts.isEmpty()) {
            rows.add(new Row("↳ connections opened " + HttpBench.BURST_CONNECTIONS + " at once, the busiest worker's"
                    + " share, median of " + HttpBench.BURSTS + " bursts (even: "
                    + ResultTable.percent(100.0 / settings.httpWorkers()) + ")", ResultTable.cell(Summary.of(
                    bursts.stream().map(x -> 100 * x).toList()), ResultTable::percent), Row.NONE, Row.NONE, Row.NONE,
                    Row.NONE, Row.NONE));
        }
        List<Double> cpu = m.httpJetty.stream().map(Wrk.Result::cpuMicrosPerRequest).filter(Double::isFinite)
                .toList();
        List<Double> aloneCpu = m.httpAlone.stream().map(Wrk.Result::cpuMicrosPerRequest).filter(Double::isFinite)
                .toList();
        if (!cpu.isEmpty()) {
            Summary pool = Summary.of(cpu);
            Summary alone = aloneCpu.isEmpty() ? null : Summary.of(aloneCpu);
            rows.add(new Row("HTTP: server CPU per request, master + workers (µs; the server alone in one JVM: "
                    + (alone == null ? "not measured" : ResultTable.millis(alone.median())) + ")",
                    ResultTable.cell(pool, ResultTable::millis), Row.NONE, Row.NONE,
                    alone == null ? Row.NONE : ResultTable.ratio(pool.median() / alone.median()) + " of alone",
                    Row.NONE, Row.NONE));
        }
    }

    private static String byKind(Wrk.Result result) {
        StringBuilder text = new StringBuilder();
        result.cpuMicrosByThreadKind().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                .forEach(e -> text.append(text.isEmpty() ? "" : ", ").append(e.getKey()).append(' ')
                        .append(ResultTable.millis(e.getValue())));
        return text.toString();
    }

    /** The cost of shipping metrics (workerpool-micrometer to workerpool-metrics), when measured. */
    private void meterRows(List<Row> rows) {
        if (m.meters.isEmpty()) {
            if (m.skipped.containsKey("meters")) {
                rows.add(Row.ours(METERS_ROW, m.skipped.get("meters")));
            }
            return;
        }
        Summary cpu = Summary.of(m.meters.stream().map(MeterShippingBench.Result::cpuPercentOfCore).toList());
        Summary micros = Summary.of(m.meters.stream().map(MeterShippingBench.Result::cpuMicrosPerRound).toList());
        Summary rss = Summary.of(m.meters.stream().map(MeterShippingBench.Result::rssGrowthMb).toList());
        Summary heap = Summary.of(m.meters.stream().map(MeterShippingBench.Result::heapRetainedMb).toList());
        rows.add(Row.ours(METERS_ROW, String.format(Locale.ROOT, "worker %.3f%% of a core (%.0f µs per %.0f s round);"
                + " master RSS +%.1f MB (heap retained %.1f MB)", cpu.median(), micros.median(),
                MeterShippingBench.INTERVAL_SECONDS, rss.median(), heap.median())));
    }

    private void footprintRows(List<Row> rows) {
        String idle = "idle, " + settings.poolWorkers() + " workers";
        Summary cpu = perRun(OURS, LifecycleBench.Run::idleMasterCpuPercent);
        rows.add(new Row("Master CPU, " + idle + " (% of one core)", ResultTable.cell(cpu, ResultTable::percent),
                peerCell(NODE, perRun(NODE, LifecycleBench.Run::idleMasterCpuPercent), ResultTable::percent),
                peerCell(GUNICORN, perRun(GUNICORN, LifecycleBench.Run::idleMasterCpuPercent), ResultTable::percent),
                Row.NONE, "≤ 0.5%", cpu == null ? Row.NONE : ResultTable.verdict(cpu.median() <= IDLE_CPU_TARGET)));
        Summary bareCpu = perRun(OURS, LifecycleBench.Run::bareIdleCpuPercent);
        if (bareCpu != null) {
            rows.add(Row.ours("↳ a bare JVM idling meanwhile, for scale (% of one core)",
                    ResultTable.cell(bareCpu, ResultTable::percent)));
        }
        rows.add(new Row("Master RSS, " + idle + " (MB)", mb(perRun(OURS, LifecycleBench.Run::masterRssMb)),
                peerCell(NODE, perRun(NODE, LifecycleBench.Run::masterRssMb), ResultTable::megabytes),
                peerCell(GUNICORN, perRun(GUNICORN, LifecycleBench.Run::masterRssMb), ResultTable::megabytes),
                Row.NONE, Row.NONE, Row.NONE));
        rows.add(new Row("Worker RSS, mean of the " + settings.poolWorkers() + " (MB)",
                mb(perRun(OURS, LifecycleBench.Run::workerRssMb)),
                peerCell(NODE, perRun(NODE, LifecycleBench.Run::workerRssMb), ResultTable::megabytes),
                peerCell(GUNICORN, perRun(GUNICORN, LifecycleBench.Run::workerRssMb), ResultTable::megabytes),
                Row.NONE, Row.NONE, Row.NONE));
        rows.add(Row.ours("Bare JVM running the worker's code without the library (MB RSS)",
                mb(perRun(OURS, LifecycleBench.Run::bareWorkerRssMb))));
        Summary overhead = perRun(OURS, r -> r.workerRssMb() - r.bareWorkerRssMb());
        rows.add(new Row("Library overhead per worker: worker − bare JVM (MB RSS)", mb(overhead), Row.NONE, Row.NONE,
                Row.NONE, "≤ 5 MB",
                overhead == null ? Row.NONE : ResultTable.verdict(overhead.median() <= WORKER_OVERHEAD_TARGET_MB)));
        Summary trimmed = perRun(OURS, r -> r.trimmedWorkerRssMb() - r.trimmedBareRssMb());
        if (trimmed != null) {
            rows.add(new Row("↳ the same after `jcmd System.trim_native_heap` in each JVM (MB RSS)", mb(trimmed),
                    Row.NONE, Row.NONE, "worker " + ResultTable.megabytes(perRun(OURS,
                            LifecycleBench.Run::trimmedWorkerRssMb).median()) + ", bare " + ResultTable.megabytes(
                            perRun(OURS, LifecycleBench.Run::trimmedBareRssMb).median()), "≤ 5 MB",
                    ResultTable.verdict(trimmed.median() <= WORKER_OVERHEAD_TARGET_MB)));
        }
    }

    /** Summary over the repetitions of one figure of a peer's lifecycle runs, or null if it has none. */
    private Summary perRun(String peer, ToDoubleFunction<LifecycleBench.Run> figure) {
        List<LifecycleBench.Run> runs = m.lifecycle(peer);
        List<Double> values = runs.stream().map(figure::applyAsDouble).filter(Double::isFinite).toList();
        return values.isEmpty() ? null : Summary.of(values);
    }

    private String peerCell(String peer, Summary s, java.util.function.DoubleFunction<String> format) {
        if (s != null) {
            return ResultTable.cell(s, format);
        }
        return m.skipped.containsKey(peer) ? "skipped" : Row.NONE;
    }

    private static String ms(Summary s) {
        return ResultTable.cell(s, ResultTable::millis);
    }

    private static String mb(Summary s) {
        return ResultTable.cell(s, ResultTable::megabytes);
    }

    private static String ratio(Summary ours, Summary peer, String suffix) {
        return ours == null || peer == null ? Row.NONE : ResultTable.ratio(ours.median() / peer.median()) + suffix;
    }

    private static String verdict(Summary ours, Summary peer, java.util.function.BiPredicate<Double, Double> met) {
        return ours == null || peer == null ? Row.NONE : ResultTable.verdict(met.test(ours.median(), peer.median()));
    }

    /** The whole report: header, table, notes, methods. */
    String markdown(Machine machine, String command) {
        StringBuilder out = new StringBuilder();
        out.append("# Benchmarks\n\n");
        out.append("Produced by `").append(command).append("` on ")
                .append(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")))
                .append(", in ").append(m.seconds / 60).append(" min ").append(m.seconds % 60).append(" s.\n\n");
        out.append("- Machine: ").append(machine.describe()).append(String.format(Locale.ROOT,
                "; 1-minute load average %.2f before the run, %.2f after, %.2f to %.2f during it", m.loadBefore,
                m.loadAfter, m.loads.stream().mapToDouble(d -> d).min().orElse(Double.NaN),
                m.loads.stream().mapToDouble(d -> d).max().orElse(Double.NaN)))
                .append(m.loads.stream().anyMatch(l -> l > machine.cpus()) || m.loadBefore > machine.cpus()
                        ? " (above the CPU count: other jobs shared the machine, absolute figures are inflated;"
                                + " compare the ratios)" : "")
                .append(".\n");
        out.append("- Software: ").append(machine.jdk());
        m.versions.forEach((peer, version) -> out.append("; ").append(version));
        out.append(".\n");
        out.append("- ").append(settings.repetitions()).append(" repetitions")
                .append(settings.quick() ? " (`--quick`: too few for a report)" : "")
                .append("; each cell is min / median / max over them, ratios and verdicts use the medians.\n\n");
        out.append(ResultTable.markdown(rows())).append('\n');
        List<String> notes = notes();
        if (!notes.isEmpty()) {
            out.append("## Notes on this run\n\n");
            notes.forEach(n -> out.append("- ").append(n).append('\n'));
            out.append('\n');
        }
        out.append("## How each figure is measured\n\n");
        Methods.lines(settings).forEach(line -> out.append("- ").append(line).append('\n'));
        return out.toString();
    }

    private List<String> notes() {
        List<String> notes = new ArrayList<>();
        m.skipped.forEach((what, why) -> notes.add("Skipped " + what + ": " + why + "."));
        for (var entry : m.lifecycle.entrySet()) {
            List<Double> all = entry.getValue().stream().flatMap(r -> r.restartMs().stream()).toList();
            if (!all.isEmpty()) {
                notes.add(String.format(Locale.ROOT, "%s restarts, all %d kills pooled: p50 %s ms, p95 %s ms, max %s ms.",
                        entry.getKey(), all.size(), ResultTable.millis(Summary.percentile(all, 50)),
                        ResultTable.millis(Summary.percentile(all, 95)), ResultTable.millis(Summary.percentile(all, 100))));
            }
        }
        List<Double> bare = m.lifecycle(OURS).stream().flatMap(r -> r.bareStartMs().stream()).toList();
        if (!bare.isEmpty()) {
            notes.add(String.format(Locale.ROOT, "Bare JVM starts, all %d pooled: p50 %s ms, p95 %s ms.", bare.size(),
                    ResultTable.millis(Summary.percentile(bare, 50)), ResultTable.millis(Summary.percentile(bare, 95))));
        }
        startCostNotes(notes);
        if (!m.floodDirect.isEmpty()) {
            notes.add("One-JVM Logback baseline: CPU " + ResultTable.cell(Summary.of(m.floodDirect.stream()
                    .map(LogFloodBench.Run::cpuPercent).toList()), ResultTable::percent) + " of one core, peak heap "
                    + ResultTable.cell(Summary.of(m.floodDirect.stream().map(LogFloodBench.Run::peakHeapMb).toList()),
                            ResultTable::megabytes) + " MB (" + LogFloodBench.MASTER_HEAP + ").");
        }
        if (!m.floodPool.isEmpty()) {
            double all = Summary.of(m.floodPool.stream().map(LogFloodBench.Run::cpuMicrosPerRecord).toList()).median();
            double master = Summary.of(m.floodPool.stream().map(LogFloodBench.Run::writerMicrosPerRecord).toList())
                    .median();
            notes.add(String.format(Locale.ROOT, "Log forwarding CPU per record (medians): master %.1f µs, workers"
                    + " %.1f µs; at that cost %d cores forward at most %,.0f records/s with nothing else running.",
                    master, all - master, Runtime.getRuntime().availableProcessors(),
                    Runtime.getRuntime().availableProcessors() * 1e6 / all));
        }
        for (int i = 0; i < m.floodPool.size(); i++) {
            LogFloodBench.Run r = m.floodPool.get(i);
            if (r.fileLines() < m.floodRecords) {
                notes.add("Log flood " + (i + 1) + ": the file has " + r.fileLines() + " lines for " + m.floodRecords
                        + " records.");
            }
        }
        for (int i = 0; i < m.httpJetty.size(); i++) {
            if (!m.httpJetty.get(i).cpuMicrosByThreadKind().isEmpty()) {
                notes.add("HTTP repetition " + (i + 1) + ", server CPU per request by thread (µs): pool "
                        + byKind(m.httpJetty.get(i)) + (i < m.httpAlone.size() ? "; alone in one JVM "
                        + byKind(m.httpAlone.get(i)) : "") + ".");
            }
            if (!m.httpJetty.get(i).perWorker().isEmpty()) {
                notes.add("HTTP repetition " + (i + 1) + ", responses per worker id: " + m.httpJetty.get(i).perWorker()
                        + ".");
            }
        }
        if (m.classes != null) {
            StringBuilder top = new StringBuilder();
            m.classes.extraByPackage().entrySet().stream().limit(12).forEach(e -> top.append(top.isEmpty() ? "" : ", ")
                    .append(e.getKey()).append(' ').append(e.getValue()));
            notes.add("Classes a worker loads until onStart and a bare JVM does not, by package (top 12): " + top
                    + ".");
        }
        addWrkErrors(notes, "Jetty", m.httpJetty);
        addWrkErrors(notes, "Jetty alone", m.httpAlone);
        addWrkErrors(notes, "Node", m.httpNode);
        notes.addAll(m.warnings);
        return notes;
    }

    /** What a worker start costs in CPU, and the cold start that cost allows on this machine at best. */
    private void startCostNotes(List<String> notes) {
        List<Double> worker = m.lifecycle(OURS).stream().flatMap(r -> r.restartCpuMs().stream())
                .filter(Double::isFinite).toList();
        List<Double> bare = m.lifecycle(OURS).stream().flatMap(r -> r.bareStartCpuMs().stream())
                .filter(Double::isFinite).toList();
        if (worker.isEmpty() || bare.isEmpty()) {
            return;
        }
        double workerCpu = Summary.percentile(worker, 50);
        double bareCpu = Summary.percentile(bare, 50);
        List<Double> aot = m.lifecycle(OURS_AOT).stream().flatMap(r -> r.restartCpuMs().stream())
                .filter(Double::isFinite).toList();
        int cpus = Runtime.getRuntime().availableProcessors();
        notes.add(String.format(Locale.ROOT, "A new worker used %s ms of CPU until its onStart ran, a bare JVM %s ms"
                        + " until main(): the library's part of a worker start is about %s ms of CPU%s. %d such starts"
                        + " on %d cores take at least %s ms, whatever else runs: the floor of a cold start of %d"
                        + " workers, before the master's own start.", ResultTable.millis(workerCpu),
                ResultTable.millis(bareCpu), ResultTable.millis(workerCpu - bareCpu), aot.isEmpty() ? ""
                        : " (" + ResultTable.millis(Summary.percentile(aot, 50) - bareCpu) + " ms with the AOT cache)",
                settings.poolWorkers(), cpus, ResultTable.millis(settings.poolWorkers() * workerCpu / cpus),
                settings.poolWorkers()));
    }

    private static void addWrkErrors(List<String> notes, String server, List<Wrk.Result> results) {
        for (int i = 0; i < results.size(); i++) {
            if (results.get(i).errors() != null) {
                notes.add("wrk against " + server + ", repetition " + (i + 1) + ": " + results.get(i).errors() + ".");
            }
        }
    }
}
