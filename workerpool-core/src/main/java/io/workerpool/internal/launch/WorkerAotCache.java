package io.workerpool.internal.launch;

import io.workerpool.internal.PoolConfig;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.workerpool.internal.core.WorkerJvm;

/**
 * The workers' JDK AOT cache ({@code aotCache(file)}, JEP 483/514): what each spawn adds to its command line,
 * and the one training JVM that writes the file when it is missing or stale. Owned by the pool's loop thread.
 *
 * <p>States: {@code OFF} (no option, or the user's own AOT/CDS options win), {@code TRAINING_DUE} (no usable
 * cache: the next check starts one training JVM), {@code TRAINING} (it runs), {@code READY} (spawns get
 * {@code -XX:AOTCache}), {@code GIVEN_UP} (training failed, or the JVM refused a freshly trained cache): the
 * pool runs without a cache, never fails because of it.
 *
 * <p>Training (JDK 25 one-step, JEP 514): a JVM started with {@code -XX:AOTCacheOutput=TMP} boots as a hot
 * spare does, does the native set-up a worker defers, and exits; at exit the JDK forks a second JVM that
 * assembles the cache into TMP, and waits for it. TMP is then renamed over the file, so no JVM ever maps a
 * half-written cache. Beside it, {@code file.fingerprint} records the JDK and the class path (each jar's size
 * and time) it was made for: JDK 25 checks neither a jar's size nor its time when it maps a cache (it runs
 * the cached classes of a rebuilt jar), so the master checks them. Whether a JVM mapped the cache is read
 * from its {@code /proc/PID/maps}: a refused cache (another JDK build, a damaged file) is not mapped.
 */
public final class WorkerAotCache {
    private static final Logger LOG = LoggerFactory.getLogger("io.workerpool.Supervisor");
    /**
     * Options of the user's own that choose the JVM's cache or archive: then ours are left out. JDK 25 refuses
     * to start with {@code -XX:AOTCache} next to any {@code -Xshare} option or the CDS class list options.
     */
    private static final List<String> OWN_CACHE_OPTIONS = List.of("-XX:AOT", "-XX:SharedArchiveFile",
            "-XX:+AutoCreateSharedArchive", "-XX:SharedClassListFile", "-XX:DumpLoadedClassList", "-Xshare");
    /** Environment variables the JVM reads options from, which workers inherit. */
    private static final List<String> OPTION_VARIABLES = List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS");
    private static final String TRAINING_INFIX = ".training-";

    enum State { OFF, TRAINING_DUE, TRAINING, READY, GIVEN_UP }

    private final Path file;
    private final Path fingerprintFile;
    /** This master's class path and JDK as last seen; re-read before each spawn (a deploy may replace jars). */
    private Map<String, String> fingerprint;
    private State state;
    /** Bumped on each cache put in place: a JVM spawned with an older one tells nothing about this one. */
    private int epoch;
    private boolean mappedOnce;
    private boolean retrainedAfterRefusal;
    private Path trainingOutput;
    private long trainingStartNanos;

    private WorkerAotCache(Path file, State state) {
        this.file = file;
        this.fingerprintFile = file == null ? null : file.resolveSibling(file.getFileName() + ".fingerprint");
        this.fingerprint = file == null ? Map.of() : currentFingerprint();
        this.state = state;
    }

    /** The cache of this pool: OFF without the option or with the user's own cache options; logs what it does. */
    public static WorkerAotCache of(PoolConfig config, WorkerCommand command) {
        Path file = config.aotCache();
        if (file == null) {
            return new WorkerAotCache(null, State.OFF);
        }
        String own = ownCacheOption(config.workerJvmOptions(), command);
        if (own != null) {
            LOG.info("aotCache {} not used: the worker JVM options already have {}, and the user's own options win",
                    file, own);
            return new WorkerAotCache(null, State.OFF);
        }
        String directory = classDirectory();
        if (directory != null) {
            LOG.warn("aotCache {} not used: the JDK makes an AOT cache only when the class path has no non-empty"
                    + " directory, and it has {}. Run from jars to use it; workers start without it", file, directory);
            return new WorkerAotCache(null, State.OFF);
        }
        WorkerAotCache cache = new WorkerAotCache(file, State.TRAINING_DUE);
        cache.deleteLeftoverTrainingFiles();
        cache.checkExisting();
        return cache;
    }

    private static String ownCacheOption(List<String> workerJvmOptions, WorkerCommand command) {
        for (String prefix : OWN_CACHE_OPTIONS) {
            for (String option : workerJvmOptions) {
                if (option.startsWith(prefix)) {
                    return option;
                }
            }
            if (command.hasJvmOption(prefix)) {
                return "an option starting with " + prefix + " (the master's own, which workers inherit)";
            }
            for (String variable : OPTION_VARIABLES) {
                String value = System.getenv(variable);
                if (value != null && value.contains(prefix)) {
                    return "an option starting with " + prefix + " in " + variable;
                }
            }
        }
        return null;
    }

    /** A non-empty directory on the class or module path (the JDK's cache training fails on one), or null. */
    private static String classDirectory() {
        for (String property : List.of("java.class.path", "jdk.module.path")) {
            for (String entry : System.getProperty(property, "").split(java.io.File.pathSeparator)) {
                Path path = entry.isEmpty() ? null : Path.of(entry);
                if (path != null && Files.isDirectory(path)) {
                    try (var files = Files.list(path)) {
                        if (files.findAny().isPresent()) {
                            return entry;
                        }
                    } catch (IOException e) {
                        return entry;
                    }
                }
            }
        }
        return null;
    }

    private void checkExisting() {
        if (!Files.isRegularFile(file)) {
            LOG.info("AOT cache {} does not exist yet: one JVM trains it in the background; workers start without"
                    + " it until it is ready", file);
            return;
        }
        String difference = differenceFromFingerprint();
        if (difference == null) {
            state = State.READY;
            epoch++;
            LOG.info("workers start with the AOT cache {}", file);
            return;
        }
        LOG.warn("AOT cache {} is stale ({}): deleting it, one JVM trains a new one in the background; workers"
                + " start without it until it is ready", file, difference);
        deleteCache();
    }

    /** The worker JVM options for a spawn now: {@code -XX:AOTCache=file} when a cache is ready. */
    public List<String> workerOptions() {
        return state == State.READY ? List.of("-XX:AOTCache=" + file) : List.of();
    }

    /**
     * Which cache a spawn now gets (0: none); passed back to {@link #connected}. Call before
     * {@link #workerOptions()}: a jar replaced since the cache was made (a deploy before a reload) makes it
     * stale, and the JDK would run the cached old classes.
     */
    public int epochForSpawn() {
        if (state == State.READY) {
            Map<String, String> now = currentFingerprint();
            if (!now.equals(fingerprint)) {
                String difference = difference(fingerprint, now);
                fingerprint = now;
                deleteCache();
                state = State.TRAINING_DUE;
                LOG.warn("AOT cache {} is stale ({}): deleting it, one JVM trains a new one in the background;"
                        + " workers start without it until it is ready", file, difference);
            }
        }
        return state == State.READY ? epoch : 0;
    }

    public boolean trainingDue() {
        return state == State.TRAINING_DUE;
    }

    /** Marks the training started; returns the training JVM's extra options. */
    public List<String> startTraining() {
        state = State.TRAINING;
        trainingStartNanos = System.nanoTime();
        trainingOutput = file.resolveSibling(file.getFileName() + TRAINING_INFIX + ProcessHandle.current().pid());
        return List.of("-XX:AOTCacheOutput=" + trainingOutput);
    }

    /** Where the training JVM's output (the JDK's own messages, the program's) goes; removed on success. */
    public Path trainingLog() {
        return file.resolveSibling(file.getFileName() + ".training.log");
    }

    /** The training JVM could not even be started. */
    public void trainingNotStarted(String why) {
        giveUp("its training JVM could not be started (" + why + ")");
    }

    /**
     * The training JVM exited: put its cache in place, or give up with the reason.
     *
     * @param stopped it was killed because the pool is stopping
     */
    public void trainingExited(int status, boolean stopped) {
        if (state != State.TRAINING) {
            return;
        }
        long millis = (System.nanoTime() - trainingStartNanos) / 1_000_000;
        if (stopped) {
            state = State.GIVEN_UP;
            LOG.info("AOT cache {}: its training JVM was stopped with the pool; the next start trains it again", file);
        } else if (status != 0 || !Files.isRegularFile(trainingOutput)) {
            giveUp("its training JVM exited (" + io.workerpool.internal.wire.ExitCodes.describe(status) + ") after "
                    + millis + " ms without writing it; its output is in " + trainingLog());
        }
        if (stopped) {
            deleteQuietly(trainingLog());
        }
        if (stopped || state == State.GIVEN_UP) {
            deleteQuietly(trainingOutput);
            deleteQuietly(trainingOutput.resolveSibling(trainingOutput.getFileName() + ".config"));
            return;
        }
        try {
            Files.deleteIfExists(fingerprintFile);
            Files.move(trainingOutput, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Path fingerprintTemp = fingerprintFile.resolveSibling(fingerprintFile.getFileName() + ".tmp");
            Files.writeString(fingerprintTemp, format(fingerprint));
            Files.move(fingerprintTemp, fingerprintFile, StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            deleteQuietly(trainingOutput);
            giveUp("it could not be put in place (" + e + ")");
            return;
        }
        deleteQuietly(trainingLog());
        state = State.READY;
        epoch++;
        mappedOnce = false;
        LOG.info("AOT cache {} trained in {} ms ({} MB): workers started from now on use it", file, millis,
                sizeMegabytes());
    }

    /**
     * A JVM spawned with cache {@code spawnEpoch} connected: checks, until one has, that it mapped the cache.
     * One that did not means the JVM refused it: retrain once, then go without.
     */
    public void connected(WorkerJvm jvm, int spawnEpoch) {
        if (spawnEpoch == 0 || spawnEpoch != epoch || state != State.READY || mappedOnce) {
            return;
        }
        Boolean mapped = mapsCache(jvm.pid());
        if (mapped == null) {
            return; // gone already, or no /proc: nothing to tell
        }
        if (mapped) {
            mappedOnce = true;
            LOG.debug("{} mapped the AOT cache {}", jvm, file);
            return;
        }
        deleteCache();
        if (retrainedAfterRefusal) {
            giveUp("the JVM of " + jvm + " refused it again, freshly trained (its [aot] lines are in that JVM's"
                    + " stdout)");
            return;
        }
        retrainedAfterRefusal = true;
        state = State.TRAINING_DUE;
        LOG.warn("AOT cache {} was not mapped by {}: its JVM refused it (made by another JDK build or with other JVM"
                + " options, or damaged; the JVM's own [aot] lines are in the worker's stdout). Deleted it: one JVM"
                + " trains a new one in the background, and workers start without it until it is ready", file, jvm);
    }

    private void giveUp(String why) {
        state = State.GIVEN_UP;
        LOG.warn("AOT cache {} not used: {}. Workers start without an AOT cache (slower, nothing else changes)", file,
                why);
    }

    /** True when the process maps the cache file, false when not, null when that can't be told. */
    private Boolean mapsCache(long pid) {
        String name;
        try {
            name = file.toRealPath().toString();
        } catch (IOException e) {
            name = file.toString();
        }
        try (var lines = Files.lines(Path.of("/proc/" + pid + "/maps"))) {
            String path = name;
            return lines.anyMatch(line -> line.endsWith(path) || line.endsWith(path + " (deleted)"));
        } catch (IOException | java.io.UncheckedIOException e) {
            return null;
        }
    }

    /** What differs between the cache's fingerprint and this master's, or null when nothing does. */
    private String differenceFromFingerprint() {
        Map<String, String> recorded = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(fingerprintFile)) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    recorded.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
        } catch (IOException e) {
            return "no readable " + fingerprintFile.getFileName() + " says which JDK and class path it was made for";
        }
        return difference(recorded, fingerprint);
    }

    /** The first thing that differs, e.g. "java.vm.version was '25.0.2+10', is now '25.0.3+9'"; null for none. */
    private static String difference(Map<String, String> was, Map<String, String> now) {
        for (Map.Entry<String, String> entry : now.entrySet()) {
            String before = was.get(entry.getKey());
            if (!Objects.equals(before, entry.getValue())) {
                return entry.getKey() + " was " + (before == null ? "not there" : "'" + before + "'") + ", is now '"
                        + entry.getValue() + "'";
            }
        }
        for (String key : was.keySet()) {
            if (!now.containsKey(key)) {
                return key + " was there, is not now";
            }
        }
        return null;
    }

    /**
     * The JDK and the class and module path of this master, which workers share: each jar by size and time (a
     * rebuilt jar has other classes; the JDK caches classes from jars only, so directories count by name).
     */
    private static Map<String, String> currentFingerprint() {
        Map<String, String> print = new LinkedHashMap<>();
        print.put("java.home", System.getProperty("java.home"));
        print.put("java.vm.version", System.getProperty("java.vm.version"));
        for (String property : List.of("java.class.path", "jdk.module.path")) {
            List<String> absolute = new ArrayList<>();
            for (String entry : System.getProperty(property, "").split(java.io.File.pathSeparator)) {
                if (!entry.isEmpty()) {
                    absolute.add(Path.of(entry).toAbsolutePath().normalize().toString());
                }
            }
            // absolute: the same jars named relative to another working directory are the same class path
            print.put(property, String.join(java.io.File.pathSeparator, absolute));
            for (String entry : absolute) {
                Path path = Path.of(entry);
                if (Files.isRegularFile(path)) {
                    try {
                        print.put("jar " + path, Files.size(path) + " bytes, modified "
                                + Files.getLastModifiedTime(path).toMillis());
                    } catch (IOException e) {
                        print.put("jar " + path, "unreadable");
                    }
                }
            }
        }
        return print;
    }

    private static String format(Map<String, String> print) {
        StringBuilder out = new StringBuilder("# what the AOT cache beside this file was made for (workerpool)\n");
        print.forEach((key, value) -> out.append(key).append('=').append(value).append('\n'));
        return out.toString();
    }

    /** Training output of masters that died while training (their pid is gone), and their JDK config files. */
    private void deleteLeftoverTrainingFiles() {
        String prefix = file.getFileName() + TRAINING_INFIX;
        List<Path> leftovers = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(file.getParent(), prefix + "*")) {
            for (Path path : files) {
                String rest = path.getFileName().toString().substring(prefix.length());
                int end = rest.indexOf('.');
                try {
                    long pid = Long.parseLong(end < 0 ? rest : rest.substring(0, end));
                    if (ProcessHandle.of(pid).isEmpty()) {
                        leftovers.add(path);
                    }
                } catch (NumberFormatException e) {
                    // not ours
                }
            }
        } catch (IOException e) {
            return;
        }
        leftovers.forEach(WorkerAotCache::deleteQuietly);
    }

    private void deleteCache() {
        deleteQuietly(fingerprintFile);
        deleteQuietly(file);
    }

    private long sizeMegabytes() {
        try {
            return Files.size(file) / (1024 * 1024);
        } catch (IOException e) {
            return -1;
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // a leftover file; the next training replaces it
        }
    }

    State state() {
        return state;
    }

    @Override
    public String toString() {
        return "AOT cache " + file + " [" + state + "]";
    }
}
