package io.workerpool.testapp;

import io.workerpool.Supervisor;
import io.workerpool.Worker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.StringJoiner;

/**
 * A pool of two workers that reports how its JVMs were launched, for the launch-mode tests (class path,
 * {@code @argfile}, {@code -jar}, {@code -m}). Self-contained, on purpose: the tests also compile this file
 * alone into a module.
 *
 * <p>Workers get the JVM options {@code -Dworker.flag=yes} and {@code -Dworker.note=}{@link #WORKER_NOTE}.
 * Master and workers append lines to the file named by {@code -Devents=...}:
 * {@code master-start PID}, {@code master-info PID KEY=VALUE...}, {@code worker-start ID PID},
 * {@code worker-info ID PID KEY=VALUE...}, {@code worker-main ID PID}, {@code worker-main-returned ID PID},
 * {@code worker-shutdown ID PID}, {@code master-shutdown PID}, {@code master-exit PID}. The info keys:
 * {@code flag} (property worker.flag, or -), {@code note} (property worker.note as a list), {@code modules}
 * (this class's module and the library's, "unnamed" when not named), {@code nativeAccess} (the library's),
 * {@code args} (main's arguments), {@code cmdline} (/proc/self/cmdline); lists are
 * {@code COUNT:BASE64,BASE64,...} of UTF-8.
 */
public final class LaunchPool {
    /** A worker JVM option value with blanks and both kinds of quotes. */
    public static final String WORKER_NOTE = "two words, \"double\" and 'single' quotes";

    private LaunchPool() {
    }

    public static void main(String[] args) {
        Path events = Path.of(System.getProperty("events"));
        List<String> arguments = List.of(args);
        Supervisor supervisor = Supervisor.builder(id -> new LaunchWorker(id, events, arguments))
                .workers(2)
                .workerJvmOptions("-Dworker.flag=yes", "-Dworker.note=" + WORKER_NOTE)
                .build();
        long pid = ProcessHandle.current().pid();
        supervisor.onStart(() -> {
            record(events, "master-start " + pid);
            record(events, "master-info " + pid + " " + info(arguments));
        });
        supervisor.onShutdown(() -> record(events, "master-shutdown " + pid));
        supervisor.main();
        record(events, "master-exit " + pid);
    }

    static String info(List<String> args) throws IOException {
        String note = System.getProperty("worker.note");
        return "flag=" + System.getProperty("worker.flag", "-")
                + " note=" + (note == null ? "-" : encode(List.of(note)))
                + " modules=" + moduleName(LaunchPool.class) + "," + moduleName(Supervisor.class)
                + " nativeAccess=" + Supervisor.class.getModule().isNativeAccessEnabled()
                + " args=" + encode(args)
                + " cmdline=" + encode(cmdline());
    }

    private static String moduleName(Class<?> type) {
        Module module = type.getModule();
        return module.isNamed() ? module.getName() : "unnamed";
    }

    private static List<String> cmdline() throws IOException {
        byte[] bytes = Files.readAllBytes(Path.of("/proc/self/cmdline"));
        List<String> argv = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                argv.add(new String(Arrays.copyOfRange(bytes, start, i), StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        return argv;
    }

    private static String encode(List<String> items) {
        StringJoiner joined = new StringJoiner(",", items.size() + ":", "");
        for (String item : items) {
            joined.add(Base64.getEncoder().encodeToString(item.getBytes(StandardCharsets.UTF_8)));
        }
        return joined.toString();
    }

    /** One line per write, appended: lines from several JVMs never tear. */
    static synchronized void record(Path events, String line) {
        try {
            Files.writeString(events, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static final class LaunchWorker extends Worker {
        private final Path events;
        private final List<String> args;
        private final long pid = ProcessHandle.current().pid();

        LaunchWorker(int id, Path events, List<String> args) {
            super(id);
            this.events = events;
            this.args = args;
            onStart(() -> record(events, "worker-start " + id + " " + pid));
            onShutdown(() -> record(events, "worker-shutdown " + id + " " + pid));
        }

        @Override
        protected void main() throws Exception {
            record(events, "worker-info " + id() + " " + pid + " " + info(args));
            record(events, "worker-main " + id() + " " + pid);
            logger().info("launch worker {} says hello", id());
            while (isRunning()) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    break;
                }
            }
            record(events, "worker-main-returned " + id() + " " + pid);
        }
    }
}
