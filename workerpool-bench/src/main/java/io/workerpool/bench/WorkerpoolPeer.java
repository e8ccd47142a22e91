package io.workerpool.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * workerpool itself: {@link RestartPool}, whose workers stamp in onStart. The plain variant runs with the
 * harness's class path and no extra options; {@link #withAotCache} runs from jars with the workers on a
 * JDK AOT cache, through the library's {@code aotCache(file)} option (see {@link AotCache}).
 */
final class WorkerpoolPeer implements PoolPeer {
    private final String name;
    private final String classpath;
    /** Options of the master JVM (system properties for {@link RestartPool}). */
    private final List<String> masterOptions;

    private WorkerpoolPeer(String name, String classpath, List<String> masterOptions) {
        this.name = name;
        this.classpath = classpath;
        this.masterOptions = List.copyOf(masterOptions);
    }

    static WorkerpoolPeer plain() {
        return new WorkerpoolPeer(Report.OURS, null, List.of());
    }

    /** The same pool with hot spares: a SIGKILLed worker's id goes to a warmed-up spare JVM. */
    static WorkerpoolPeer withSpares(int spares) {
        return new WorkerpoolPeer(Report.OURS_SPARES, null, List.of("-Dbench.spares=" + spares));
    }

    /** Whether the pool keeps hot spares: after a promotion, the next kill waits for the new spare. */
    boolean hasSpares() {
        return masterOptions.stream().anyMatch(o -> o.startsWith("-Dbench.spares="));
    }

    static WorkerpoolPeer withAotCache(AotCache.Cache cache) {
        return new WorkerpoolPeer(Report.OURS_AOT, cache.classpath(), List.of("-Dbench.aotCache=" + cache.file()));
    }

    boolean isPlain() {
        return masterOptions.isEmpty();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String unavailableReason(BenchContext context) {
        return null;
    }

    @Override
    public String version(BenchContext context) {
        return "JDK " + Runtime.version();
    }

    @Override
    public String readyMeans() {
        return "the worker's onStart callback ran";
    }

    @Override
    public Child launch(BenchContext context, int workers, int port, Path stamps, String tag) {
        List<String> options = new ArrayList<>(masterOptions);
        List<String> command = context.javaCommandWithClasspath(options,
                classpath == null ? context.classpath() : classpath, RestartPool.class.getName(), stamps.toString(),
                Integer.toString(workers));
        return Child.start(name + " pool " + tag, command, context.runDir(), Map.of(),
                context.runDir().resolve(tag + ".log"));
    }
}
