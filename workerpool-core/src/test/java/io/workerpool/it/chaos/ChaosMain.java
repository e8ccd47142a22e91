package io.workerpool.it.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The long chaos run of {@code ./run-chaos}: {@code [--minutes N] [--seed S] [--restarts R] [--workers W]}.
 * Runs the chaos engine for N minutes (default 10), then the restart soak (R restarts, default 1000, of W workers, default 6), and prints
 * both sets of figures as markdown tables. Exit status 0 when everything held, 1 when something did not (the
 * work directory with the masters' logs is kept then), 2 for bad arguments.
 */
public final class ChaosMain {
    private ChaosMain() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        double minutes = 10;
        long seed = System.nanoTime();
        int restarts = 1000;
        int soakWorkers = 6;
        String command = System.getProperty("chaos.command", "./run-chaos");
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = i + 1 < args.length ? args[i + 1] : null;
            try {
                switch (arg) {
                    case "--minutes" -> minutes = Double.parseDouble(require(arg, value));
                    case "--seed" -> seed = Long.parseLong(require(arg, value));
                    case "--restarts" -> restarts = Integer.parseInt(require(arg, value));
                    case "--workers" -> soakWorkers = Integer.parseInt(require(arg, value));
                    default -> throw new IllegalArgumentException("unknown option '" + arg + "'");
                }
            } catch (IllegalArgumentException e) {
                System.err.println("run-chaos: " + e.getMessage() + "; usage: ./run-chaos [--minutes N] [--seed S]"
                        + " [--restarts R] [--workers W]");
                System.exit(2);
            }
            i++;
        }
        if (minutes <= 0 || restarts < 0 || soakWorkers < 1) {
            System.err.println("run-chaos: --minutes must be > 0, --restarts >= 0 and --workers >= 1");
            System.exit(2);
        }
        // Ctrl-C or a kill ends this JVM without its finally blocks: take the pools' masters with it (their
        // workers follow them).
        Runtime.getRuntime().addShutdownHook(new Thread(() -> ProcessHandle.current().children()
                .forEach(ProcessHandle::destroyForcibly)));
        Path work = Files.createTempDirectory("workerpool-chaos-");
        String started = ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z"));
        String loadBefore = loadAverage();
        ChaosSettings settings = ChaosSettings.soak(seed, Duration.ofMillis((long) (minutes * 60_000)));
        ChaosReport chaos = ChaosRun.run(Files.createDirectories(work.resolve("chaos")), settings, System.err);
        boolean passed = chaos.violations().isEmpty();
        RestartSoak.Result soak = null;
        if (restarts > 0) {
            soak = RestartSoak.run(Files.createDirectories(work.resolve("soak")), soakWorkers, restarts,
                    Duration.ofMinutes(60), settings, System.err);
            passed &= soak.violations().isEmpty();
        }
        System.out.println();
        System.out.println("Chaos run of " + started + ": `" + command + "`, " + Runtime.getRuntime()
                .availableProcessors() + " cores, load average " + loadBefore + " before, " + loadAverage()
                + " after.");
        System.out.println();
        System.out.print(chaos.table());
        if (soak != null) {
            System.out.println();
            System.out.print(soak.table());
        }
        if (passed) {
            deleteTree(work);
        } else {
            System.out.println();
            System.out.println("FAILED; the masters' logs are in " + work + "; last lines of the chaos master's log:");
            System.out.println(chaos.masterLogTail());
            System.exit(1);
        }
    }

    private static String require(String option, String value) {
        if (value == null) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return value;
    }

    /** The 1, 5 and 15 minute load averages. */
    static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return parts[0] + " / " + parts[1] + " / " + parts[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
