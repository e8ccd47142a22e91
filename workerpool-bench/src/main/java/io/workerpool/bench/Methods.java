package io.workerpool.bench;

import java.util.List;

/** How each figure is measured, as the report's last section says it. */
final class Methods {
    private Methods() {
    }

    static List<String> lines(BenchSettings s) {
        int kills = s.kills() * s.repetitions();
        return List.of(
                "**Order.** Each repetition runs every peer in turn (workerpool, Node.js cluster, gunicorn), so that"
                        + " a noisy neighbour hits all of them alike; then the log floods, then the HTTP runs.",
                "**Restart.** A pool of " + s.poolWorkers() + " workers; the harness SIGKILLs the worker that has been"
                        + " up longest, " + s.kills() + " times per repetition (" + kills + " in all), and times from"
                        + " just before kill(2) to the replacement's ready stamp. Ready means: workerpool, the"
                        + " worker's onStart callback ran; Node, the worker's `server.listen()` callback ran; gunicorn,"
                        + " `post_worker_init` ran. Each process stamps its own wall clock (`Instant.now()`,"
                        + " `performance.timeOrigin + performance.now()`, `time.time_ns()`: microseconds or better)"
                        + " into a file the harness polls every millisecond; the polling never enters a figure.",
                "**CPU time to ready.** Each ready stamp also carries the CPU time (user + system, all threads)"
                        + " its process had used: `ProcessHandle.Info.totalCpuDuration()` (10 ms ticks),"
                        + " `process.cpuUsage()`, `time.process_time_ns()` (since the fork). Unlike the wall time, it"
                        + " hardly depends on what else runs on the machine.",
                "**No backoff in the figures.** workerpool's master restarts a worker at once, but with backoff if"
                        + " it died within 1 s of its start; the harness only kills a worker that has been ready for"
                        + " at least " + s.minUptime().toMillis() + " ms, and waits " + s.killGap().toMillis()
                        + " ms after each replacement. Peers get the same pacing.",
                "**Bare JVM floor.** Between workerpool's kills, under the same load, the harness starts"
                        + " `java --enable-native-access=ALL-UNNAMED -cp <same class path> HelloWorld` (the pool's JVM"
                        + " options and class path) and times from just before the fork to the stamp its main() takes;"
                        + " as many starts as kills. Its p50 is the floor a restart without hot spares can approach.",
                "**AOT cache variant.** The same restart and cold start with the pool built with"
                        + " `aotCache(worker.aot)` (a JDK 25 AOT cache, JEP 483/514): trained once per run by a"
                        + " one-worker pool with the same option, whose background training JVM writes the file;"
                        + " then every worker starts with `-XX:AOTCache=worker.aot`. The JDK caches classes from jars"
                        + " only, so this pool runs from the module jars. It shows how much of a restart is class"
                        + " loading and linking.",
                "**Hot spares.** The same restart with the pool built with `spares(1)`: the SIGKILLed worker's id"
                        + " goes to the warmed-up spare, and the figure runs to the spare's onStart. After each"
                        + " replacement the harness waits " + LifecycleBench.SPARE_WARM_UP.toSeconds() + " s more, so"
                        + " that the new spare has booted before the next kill.",
                "**Classes until ready.** Once per run: a one-worker pool whose worker runs with"
                        + " `-Xlog:class+load`, counted up to the first class its onStart loads; a hello world with the"
                        + " same option, counted up to the first class its main() loads. A count, not a timing: the"
                        + " load of the machine doesn't change it.",
                "**Cold start.** From just before the launcher forks the pool's first process to the ready stamp of"
                        + " the last of its " + s.poolWorkers() + " workers.",
                "**Footprint.** Right after the cold start and a " + s.settle().toMillis() + " ms settle: the master's"
                        + " CPU time over " + s.idleWindow().toSeconds() + " s (sum of its threads'"
                        + " `/proc/PID/task/*/schedstat`, nanoseconds), then VmRSS of the master and each worker"
                        + " (`/proc/PID/status`). For workerpool, a bare JVM (`BareWorker`: the worker's code, stamp"
                        + " then sleep, same JVM options and class path, no library) starts with the settle; the"
                        + " overhead is the mean worker RSS minus its RSS. Then `jcmd PID System.trim_native_heap` in"
                        + " each worker and the bare JVM (glibc's malloc_trim: freed malloc memory the C library kept,"
                        + " mostly from the JIT's start-up, a varying 0 to 7 MB per JVM) and the same difference again.",
                "**Log forwarding.** 4 workers log " + String.format(java.util.Locale.ROOT, "%,d", s.floodRecords())
                        + " INFO records each through SLF4J; the master (-Xmx64m) replays them into a Logback"
                        + " FileAppender (default settings: flush per event). The baseline: the same records from 4"
                        + " threads of one JVM (-Xmx64m) into the same Logback configuration. All producers are up and"
                        + " wait for a go file; the rate runs from its creation to the last record counted by an"
                        + " appender placed after the file appender. Heap: peak used, sampled every 10 ms in the"
                        + " writing JVM, and used after a full GC at the end. CPU: the writing JVM's utime + stime.",
                "**HTTP.** The Jetty example (`io.workerpool.examples.JettyExample`, as `./run-example jetty` runs it)"
                        + " with " + s.httpWorkers() + " workers vs a Node cluster hello world with " + s.httpWorkers()
                        + " workers (Node's default scheduling: the primary accepts, round-robin), on 127.0.0.1."
                        + " After every worker has answered: `" + Wrk.describe() + " -d" + s.httpWarmup().toSeconds()
                        + "s` warm-up, then the measured `-d" + s.httpDuration().toSeconds() + "s`. wrk shares the"
                        + " machine's cores with the servers, as it does for both. Baseline: the same Jetty server"
                        + " (`-Dworkerpool.example.alone=true`) alone in one JVM, without the library, with the"
                        + " acceptors, selectors and pool threads of all the workers together. Responses per worker:"
                        + " the measured wrk run counts the worker id in each response body (a Lua script)."
                        + " Connections opened at once: after that run, " + HttpBench.BURSTS + " times "
                        + HttpBench.BURST_CONNECTIONS + " connections opened together (non-blocking connects), each"
                        + " asking once which worker holds it. Server CPU per request: utime + stime of the server's"
                        + " process tree (master and workers; 10 ms ticks) over the measured run, divided by the"
                        + " requests wrk completed: a cost that hardly depends on the machine's load, unlike requests/s.",
                "Raw logs of a run are in `workerpool-bench/target/bench-run/`.");
    }
}
