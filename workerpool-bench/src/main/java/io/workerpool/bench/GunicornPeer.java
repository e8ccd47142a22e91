package io.workerpool.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * gunicorn with sync workers: {@code peers/gunicorn/} (a WSGI hello world and a config whose
 * post_worker_init hook stamps). Its arbiter forks a worker from the already-loaded master.
 */
final class GunicornPeer implements PoolPeer {
    @Override
    public String name() {
        return "gunicorn";
    }

    @Override
    public String unavailableReason(BenchContext context) {
        return Executables.find("gunicorn").isPresent() ? null
                : "gunicorn is not installed (`./run-bench --install-peers` as root, or `apt-get install -y gunicorn`)";
    }

    @Override
    public String version(BenchContext context) {
        String version = Executables.firstLine(List.of("gunicorn", "--version"));
        return version + ", " + python();
    }

    /** The Python that runs gunicorn, from its #! line. */
    private static String python() {
        try {
            Path gunicorn = Executables.find("gunicorn").orElseThrow();
            String first = Files.readAllLines(gunicorn).getFirst();
            if (first.startsWith("#!")) {
                return Executables.firstLine(List.of(first.substring(2).trim().split("\\s+")[0], "--version"));
            }
        } catch (Exception e) {
            // not worth failing the run for
        }
        return "Python unknown";
    }

    @Override
    public String readyMeans() {
        return "the post_worker_init hook ran";
    }

    @Override
    public Child launch(BenchContext context, int workers, int port, Path stamps, String tag) {
        Path dir = context.root().resolve("workerpool-bench/peers/gunicorn");
        List<String> command = List.of("gunicorn", "--config", dir.resolve("gunicorn.conf.py").toString(),
                "--chdir", dir.toString(), "app:app");
        Map<String, String> env = Map.of("BENCH_PORT", Integer.toString(port), "BENCH_WORKERS",
                Integer.toString(workers), "BENCH_STAMPS", stamps.toString(), "PYTHONDONTWRITEBYTECODE", "1");
        return Child.start("gunicorn " + tag, command, context.runDir(), env, context.runDir().resolve(tag + ".log"));
    }
}
