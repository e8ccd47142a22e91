package io.workerpool.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.workerpool.Supervisor;
import io.workerpool.testapp.LaunchPool;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workers are re-launched the way the master was: from a class path given in an {@code @argfile}, from an
 * executable jar ({@code java -jar}), from a module path ({@code java -p mods -m app/main}). In each mode the
 * worker JVM options land before what the launcher runs (the worker has them, the master doesn't), and
 * program arguments with blanks, quotes, option look-alikes, non-ASCII text and an empty one reach the
 * worker's {@code main} intact. The jars and the module are built here, with the JDK's jar and javac tools.
 */
class LaunchModesTest {
    private static final Duration START = Duration.ofSeconds(30);
    private static final String MAIN = LaunchPool.class.getName();
    private static final List<String> TRICKY_ARGS = List.of("two words", "\"double\" and 'single' quotes",
            "-Dlooks.like=an option", "-jar", "--module=x/y", "-cp", "@not-an-argfile", "back\\slash $HOME `pwd` *",
            "line one\nline two", "h\u00e9llo w\u00f6rld \u2713", "");

    @TempDir
    static Path shared;
    static Path coreJar;
    static List<Path> loggingJars;

    @TempDir
    Path dir;

    /** The core jar: target/classes, module-info.class included. */
    @BeforeAll
    static void buildCoreJar() throws Exception {
        coreJar = shared.resolve("workerpool-core.jar");
        jar(coreJar, Map.of(), classesDir(Supervisor.class), ".");
        loggingJars = new ArrayList<>();
        for (String prefix : List.of("slf4j-api-", "logback-classic-", "logback-core-")) {
            loggingJars.add(classPathJar(prefix));
        }
    }

    @Test
    void classPathAndMainClassFromAnArgfileTheWorkersStillStartOnceItIsDeleted() throws Exception {
        String classPath = System.getProperty("java.class.path");
        Path argfile = Files.writeString(dir.resolve("launch.args"), """
                # Class path and main class in an argfile, as IDEs and build tools shorten long command lines.
                -Dfrom.argfile=yes
                -cp "%s"
                %s "first arg, from the file" @not-an-argfile
                """.formatted(classPath.replace("\\", "\\\\").replace("\"", "\\\""), MAIN));
        List<String> expectedArgs = concat(List.of("first arg, from the file", "@not-an-argfile"), TRICKY_ARGS);
        try (PoolProcess pool = PoolProcess.in(dir).env("LC_ALL", "C.UTF-8").launch("@" + argfile)
                .args(TRICKY_ARGS).start()) {
            Launch launch = new Launch(concat(List.of("@" + argfile), TRICKY_ARGS),
                    List.of("-Dfrom.argfile=yes", "-cp", classPath), concat(List.of(MAIN), expectedArgs), expectedArgs,
                    "unnamed,unnamed");
            launch.check(pool, 2);

            // The master read the file when it started: a replacement worker doesn't need it any more.
            Files.delete(argfile);
            Signal.send(pool.workerPid(0), "KILL");
            pool.awaitEvents("worker-info 0 .*", 2, START);
            launch.check(pool, 3);

            stopWithSigterm(pool);
        }
    }

    @Test
    void executableJar() throws Exception {
        Path lib = Files.createDirectories(dir.resolve("lib"));
        List<String> classPath = new ArrayList<>();
        for (Path jar : concat(List.of(coreJar), loggingJars)) {
            Files.copy(jar, lib.resolve(jar.getFileName()));
            classPath.add("lib/" + jar.getFileName());
        }
        Path appJar = dir.resolve("app.jar");
        Map<String, String> manifest = new LinkedHashMap<>();
        manifest.put("Main-Class", MAIN);
        manifest.put("Class-Path", String.join(" ", classPath));
        jar(appJar, manifest, classesDir(LaunchPool.class), "io/workerpool/testapp");

        try (PoolProcess pool = PoolProcess.in(dir).env("LC_ALL", "C.UTF-8").launch("-jar", appJar.toString())
                .args(TRICKY_ARGS).start()) {
            List<String> program = concat(List.of("-jar", appJar.toString()), TRICKY_ARGS);
            new Launch(program, List.of(), program, TRICKY_ARGS, "unnamed,unnamed").check(pool, 2);
            stopWithSigterm(pool);
        }
    }

    @Test
    void modulePathWithTheLibraryAsAModule() throws Exception {
        Path mods = Files.createDirectories(dir.resolve("mods"));
        for (Path jar : concat(List.of(coreJar), loggingJars)) {
            Files.copy(jar, mods.resolve(jar.getFileName()));
        }
        Path moduleInfo = Files.writeString(dir.resolve("module-info.java"),
                "module demoapp { requires io.workerpool; }\n");
        Path source = classesDir(LaunchPool.class).getParent().getParent()
                .resolve("src/test/java/io/workerpool/testapp/LaunchPool.java");
        run("javac", "-proc:none", "--module-path", mods.toString(), "-d", mods.resolve("demoapp").toString(),
                moduleInfo.toString(), source.toString());

        String module = "demoapp/" + MAIN;
        try (PoolProcess pool = PoolProcess.in(dir).env("LC_ALL", "C.UTF-8").launch("-p", mods.toString(),
                "-m", module).args(TRICKY_ARGS).start()) {
            List<String> program = concat(List.of("-m", module), TRICKY_ARGS);
            new Launch(program, List.of(), program, TRICKY_ARGS, "demoapp,io.workerpool").check(pool, 2);
            stopWithSigterm(pool);
        }
    }

    /**
     * What a launch must look like. The master's command line ends with {@code masterTail}; a worker's is
     * the master's up to there, then {@code inlined} (what the master's launcher read from argfiles), then
     * the worker JVM options, then {@code workerProgram}.
     */
    private record Launch(List<String> masterTail, List<String> inlined, List<String> workerProgram,
                          List<String> args, String modules) {

        /** Checks the master and the latest worker JVM of each id, once {@code workerInfos} of them reported. */
        void check(PoolProcess pool, int workerInfos) {
            pool.awaitEvents("worker-info \\d+ \\d+ .*", workerInfos, START);
            Info master = Info.latest(pool, "master-info " + pool.pid() + " ");
            assertThat(master.flag()).as("worker.flag in the master %s", master).isEqualTo("-");
            assertThat(master.modules()).as("%s", master).isEqualTo(modules);
            assertThat(master.args()).as("args of the master %s", master).containsExactlyElementsOf(args);
            assertThat(master.cmdline()).as("%s", master).endsWith(masterTail.toArray(String[]::new));
            List<String> expectedStart = concat(
                    master.cmdline().subList(0, master.cmdline().size() - masterTail.size()), inlined);

            for (int id = 0; id < 2; id++) {
                Info worker = Info.latest(pool, "worker-info " + id + " " + pool.workerPid(id) + " ");
                assertThat(worker.flag()).as("worker.flag in %s", worker).isEqualTo("yes");
                assertThat(worker.note()).as("worker.note in %s", worker).containsExactly(LaunchPool.WORKER_NOTE);
                assertThat(worker.modules()).as("%s", worker).isEqualTo(modules);
                assertThat(worker.nativeAccess()).as("native access for the library in %s", worker).isTrue();
                assertThat(worker.args()).as("args of %s", worker).containsExactlyElementsOf(args);
                assertThat(worker.cmdline()).as("command line of %s", worker)
                        .startsWith(expectedStart.toArray(String[]::new))
                        .endsWith(workerProgram.toArray(String[]::new));
                List<String> added = worker.cmdline()
                        .subList(expectedStart.size(), worker.cmdline().size() - workerProgram.size());
                assertThat(added).as("options the master added for %s", worker)
                        .contains("-Dworker.flag=yes", "-Dworker.note=" + LaunchPool.WORKER_NOTE);
                pool.awaitLog("launch worker " + id + " says hello", START);
            }
        }
    }

    /** A master-info or worker-info line of {@link LaunchPool}, decoded. */
    private record Info(String line, String flag, List<String> note, String modules, boolean nativeAccess,
                        List<String> args, List<String> cmdline) {

        static Info latest(PoolProcess pool, String prefix) {
            String line = pool.events().reversed().stream().filter(l -> l.startsWith(prefix)).findFirst()
                    .orElseThrow(() -> new AssertionError("no '" + prefix + "' in " + pool.events()
                            + "\nlog:\n" + pool.tail()));
            Map<String, String> values = new HashMap<>();
            for (String part : line.substring(prefix.length()).split(" ")) {
                int equals = part.indexOf('=');
                values.put(part.substring(0, equals), part.substring(equals + 1));
            }
            String note = values.get("note");
            return new Info(prefix.strip(), values.get("flag"), note.equals("-") ? List.of() : decode(note),
                    values.get("modules"), Boolean.parseBoolean(values.get("nativeAccess")),
                    decode(values.get("args")), decode(values.get("cmdline")));
        }

        private static List<String> decode(String list) {
            int colon = list.indexOf(':');
            int count = Integer.parseInt(list.substring(0, colon));
            List<String> items = new ArrayList<>();
            if (count > 0) {
                for (String item : list.substring(colon + 1).split(",", -1)) {
                    items.add(new String(Base64.getDecoder().decode(item), StandardCharsets.UTF_8));
                }
            }
            assertThat(items).hasSize(count);
            return items;
        }
    }

    private static void stopWithSigterm(PoolProcess pool) throws InterruptedException {
        List<Long> workers = List.of(pool.workerPid(0), pool.workerPid(1));
        pool.signal("TERM");
        assertThat(pool.waitFor(START)).as("master exit status; log:\n%s", pool.tail()).isZero();
        assertThat(pool.count("worker-shutdown \\d+ \\d+")).isGreaterThanOrEqualTo(2);
        assertThat(pool.events().getLast()).isEqualTo("master-exit " + pool.pid());
        assertThat(workers).noneMatch(Signal::alive);
    }

    private static <T> List<T> concat(List<T> first, List<T> second) {
        List<T> list = new ArrayList<>(first);
        list.addAll(second);
        return list;
    }

    /** Jars {@code what} (a path under {@code root}) with a manifest holding {@code entries}. */
    private static void jar(Path jar, Map<String, String> entries, Path root, String what) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        entries.forEach((name, value) -> manifest.getMainAttributes().putValue(name, value));
        Path manifestFile = jar.resolveSibling(jar.getFileName() + ".MF");
        try (OutputStream out = Files.newOutputStream(manifestFile)) {
            manifest.write(out);
        }
        run("jar", "--create", "--file", jar.toString(), "--manifest", manifestFile.toString(),
                "-C", root.toString(), what);
    }

    private static void run(String tool, String... args) {
        StringWriter output = new StringWriter();
        PrintWriter out = new PrintWriter(output);
        int status = ToolProvider.findFirst(tool).orElseThrow().run(out, out, args);
        out.flush();
        assertThat(status).as("%s %s\n%s", tool, String.join(" ", args), output).isZero();
    }

    private static Path classesDir(Class<?> type) throws URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static Path classPathJar(String namePrefix) {
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path path = Path.of(entry);
            String name = path.getFileName().toString();
            if (name.startsWith(namePrefix) && name.endsWith(".jar")) {
                return path;
            }
        }
        throw new AssertionError("no " + namePrefix + "*.jar on the test class path: "
                + System.getProperty("java.class.path"));
    }
}
