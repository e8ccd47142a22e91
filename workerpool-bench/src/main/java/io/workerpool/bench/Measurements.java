package io.workerpool.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Everything a run measured, peer by peer and repetition by repetition, plus what it skipped and why. */
final class Measurements {
    final Map<String, List<LifecycleBench.Run>> lifecycle = new LinkedHashMap<>();
    final List<LogFloodBench.Run> floodPool = new ArrayList<>();
    final List<LogFloodBench.Run> floodDirect = new ArrayList<>();
    long floodRecords;
    final List<Wrk.Result> httpJetty = new ArrayList<>();
    final List<Wrk.Result> httpNode = new ArrayList<>();
    /** The same Jetty server alone in one JVM with the threads of all the pool's workers: the baseline. */
    final List<Wrk.Result> httpAlone = new ArrayList<>();
    /** Classes loaded by a worker until its onStart, and by a bare JVM until main(); null when not measured. */
    ClassCount.Result classes;
    /** The cost of shipping application meters, one per repetition; empty when not measured. */
    final List<MeterShippingBench.Result> meters = new ArrayList<>();
    /** Why a peer or a benchmark was skipped, by peer or benchmark name. */
    final Map<String, String> skipped = new LinkedHashMap<>();
    final Map<String, String> versions = new LinkedHashMap<>();
    final List<String> warnings = new ArrayList<>();
    /** The 1-minute load average at the start of every repetition of every benchmark. */
    final List<Double> loads = new ArrayList<>();
    double loadBefore = Double.NaN;
    double loadAfter = Double.NaN;
    long seconds;

    void sampleLoad() {
        loads.add(ProcFs.loadAverage());
    }

    List<LifecycleBench.Run> lifecycle(String peer) {
        return lifecycle.getOrDefault(peer, List.of());
    }
}
