package io.workerpool.internal.metrics;

/**
 * The maxWorkerPss decision, pure, for the core's recycling check: RSS counts the pages a worker shares with
 * the others (the JDK's CDS archive, the AOT cache, libraries) once per worker, so a limit on RSS recycles the
 * wrong workers; PSS divides shared pages among their sharers.
 */
public final class PssRecycling {
    private PssRecycling() {
    }

    /**
     * Why this worker should be recycled, or null when it should not.
     *
     * @param sample the worker JVM's latest sample (from {@link WorkerTelemetry#latest}), or null when none yet
     * @param maxPssBytes the limit, or 0 for none
     * @return e.g. "PSS 612 MB passed maxWorkerPss 512 MB", or null: no limit, no sample, PSS unknown or within it
     */
    public static String reason(JvmSample sample, long maxPssBytes) {
        if (maxPssBytes <= 0 || sample == null || sample.pssBytes() < 0 || sample.pssBytes() <= maxPssBytes) {
            return null;
        }
        return "PSS " + sample.pssBytes() / (1024 * 1024) + " MB passed maxWorkerPss " + maxPssBytes / (1024 * 1024)
                + " MB";
    }
}
