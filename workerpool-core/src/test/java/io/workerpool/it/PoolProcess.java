package io.workerpool.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real master JVM running {@code io.workerpool.testapp.TestPool} (or another main class), with its event
 * file and its log. {@link #close()} kills the master and every worker it ever had, also when the test failed.
 */
public final class PoolProcess implements AutoCloseable {
    private static final Pattern WORKER_START = Pattern.compile("worker-start (\\d+) (\\d+)");

    private final Process master;
    private final Path events;
    private final Path log;
    private final Set<Long> seenPids = new HashSet<>();

    private PoolProcess(Process master, Path events, Path log) {
        this.master = master;
        this.events = events;
        this.log = log;
    }

    public static Builder in(Path dir) {
        return new Builder(dir);
    }

    /** Options of the master's command line. */
    public static final class Builder {
        private final Path dir;
        private final Map<String, String> properties = new LinkedHashMap<>();
        private final List<String> jvmOptions = new ArrayList<>();
        private String mainClass = "io.workerpool.testapp.TestPool";
        private List<String> launch;
        private final List<String> args = new ArrayList<>();
        private final Map<String, String> environment = new LinkedHashMap<>();
        private final List<String> wrapper = new ArrayList<>();
        private boolean xshareOption = true;

        private Builder(Path dir) {
            this.dir = dir;
        }

        public Builder with(String property, Object value) {
            properties.put(property, String.valueOf(value));
            return this;
        }

        public Builder jvmOption(String option) {
            jvmOptions.add(option);
            return this;
        }

        public Builder mainClass(String name) {
            this.mainClass = name;
            return this;
        }

        /**
         * What the launcher runs, instead of {@code -cp <this JVM's class path> <mainClass>}: e.g.
         * {@code -jar app.jar}, {@code -p mods -m app/app.Main} or {@code @argfile}.
         */
        public Builder launch(String... mainPart) {
            this.launch = List.of(mainPart);
            return this;
        }

        /** Program arguments, after the main class. */
        public Builder args(List<String> programArgs) {
            args.addAll(programArgs);
            return this;
        }

        public Builder env(String name, String value) {
            environment.put(name, value);
            return this;
        }

        /**
         * A program that runs first and then execs the java command line it gets as its last arguments, keeping
         * its pid: e.g. one that puts a socket on descriptor 3, as systemd's socket activation does.
         */
        /** Leaves out {@code -Xshare:auto}: the JDK refuses {@code -XX:AOTCache} next to any -Xshare option. */
        public Builder withoutXshare() {
            xshareOption = false;
            return this;
        }

        public Builder wrapper(String... prefix) {
            wrapper.addAll(List.of(prefix));
            return this;
        }

        public PoolProcess start() throws IOException {
            Path events = dir.resolve("events.txt");
            Path log = dir.resolve("master.log");
            List<String> command = new ArrayList<>(wrapper);
            command.add(ProcessHandle.current().info().command().orElseThrow());
            command.add("--enable-native-access=ALL-UNNAMED");
            if (xshareOption) {
                command.add("-Xshare:auto");
            }
            command.add("-XX:TieredStopAtLevel=1");
            command.addAll(jvmOptions);
            command.add("-Devents=" + events);
            properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
            if (launch == null) {
                command.add("-cp");
                command.add(System.getProperty("java.class.path"));
                command.add(mainClass);
            } else {
                command.addAll(launch);
            }
            command.addAll(args);
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().putAll(environment);
            Process master = builder.redirectErrorStream(true)
                    .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            return new PoolProcess(master, events, log);
        }
    }

    public Process master() {
        return master;
    }

    public long pid() {
        return master.pid();
    }

    public List<String> events() {
        try {
            return Files.exists(events) ? Files.readAllLines(events, StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public long count(String regex) {
        Pattern p = Pattern.compile(regex);
        return events().stream().filter(l -> p.matcher(l).matches()).count();
    }

    public String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(cannot read master log: " + e + ")";
        }
    }

    /** Waits until {@code count} event lines match. */
    public void awaitEvents(String regex, long count, Duration atMost) {
        await().atMost(atMost).pollInterval(Duration.ofMillis(20))
                .alias("events matching '" + regex + "' >= " + count + "\nevents: " + events() + "\nlog:\n" + tail())
                .until(() -> count(regex) >= count);
    }

    public void awaitEvent(String regex) {
        awaitEvents(regex, 1, Duration.ofSeconds(30));
    }

    /** Waits until the master log contains the text. */
    public void awaitLog(String text, Duration atMost) {
        await().atMost(atMost).pollInterval(Duration.ofMillis(20)).alias("master log contains '" + text + "'")
                .until(() -> log().contains(text));
    }

    /** Pid of the latest JVM that started worker {@code id}. */
    public long workerPid(int id) {
        long pid = -1;
        for (String line : events()) {
            Matcher m = WORKER_START.matcher(line);
            if (m.matches() && Integer.parseInt(m.group(1)) == id) {
                pid = Long.parseLong(m.group(2));
            }
        }
        return pid;
    }

    /** Every worker pid the events name, started or not. */
    public Set<Long> allWorkerPids() {
        Set<Long> pids = new HashSet<>();
        for (String line : events()) {
            String[] parts = line.split(" ");
            if (parts[0].startsWith("worker-") && parts.length >= 3) {
                pids.add(Long.parseLong(parts[2]));
            }
        }
        return pids;
    }

    private boolean isOurs(ProcessHandle process) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc/" + process.pid() + "/cmdline")),
                    StandardCharsets.UTF_8).contains("-Devents=" + events);
        } catch (IOException e) {
            return false;
        }
    }

    public int waitFor(Duration atMost) throws InterruptedException {
        if (!master.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("master did not exit within " + atMost + "\nlog:\n" + tail());
        }
        return master.exitValue();
    }

    public void signal(String name) {
        Signal.send(master.pid(), name);
    }

    public String tail() {
        String text = log();
        return text.length() > 6000 ? text.substring(text.length() - 6000) : text;
    }

    @Override
    public void close() {
        if (master.isAlive()) {
            master.descendants().forEach(p -> seenPids.add(p.pid()));
        }
        seenPids.addAll(allWorkerPids());
        master.destroyForcibly();
        for (long pid : seenPids) {
            // Pids get reused on a busy machine: kill only a process that is still one of this pool's JVMs.
            ProcessHandle.of(pid).filter(this::isOurs).ifPresent(ProcessHandle::destroyForcibly);
        }
        try {
            master.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
