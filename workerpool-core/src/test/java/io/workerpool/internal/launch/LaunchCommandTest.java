package io.workerpool.internal.launch;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Where {@link WorkerCommand} puts the worker's JVM options: just before what the launcher runs. */
class LaunchCommandTest {
    private static final String JAVA = "/opt/jdk/bin/java";
    private static final List<String> EXTRA = List.of("-Dworker=1", "-Xmx64m");

    @TempDir
    Path dir;

    @Test
    void classPathMainClassKeepsItsArgumentsAfterItEvenWhenTheyLookLikeOptions() {
        assertWorkerCommand(
                List.of("-Xmx1g", "-cp", "a.jar:b.jar"),
                List.of("app.Main", "-Dnot.jvm=1", "-cp", "x", "-jar", "y.jar", "-m", "m/c", "--module=m/c",
                        "@not-an-argfile", "plain"));
    }

    @Test
    void classPathValueIsNotTakenForTheMainClass() {
        for (String option : List.of("-cp", "-classpath", "--class-path")) {
            assertWorkerCommand(List.of(option, "lib", "-Dfoo=bar"), List.of("app.Main", "arg"));
        }
        assertWorkerCommand(List.of("--class-path=lib"), List.of("app.Main"));
    }

    @Test
    void jvmOptionValuesComeFromEveryFormOfTheOption() {
        WorkerCommand command = WorkerCommand.parse(List.of(JAVA, "--enable-native-access=ALL-UNNAMED",
                "--enable-native-access", "io.workerpool,other", "-Dx=--enable-native-access=no", "-cp", "lib",
                "app.Main", "--enable-native-access=arg"));
        assertThat(command.jvmOptionValues("--enable-native-access"))
                .containsExactly("ALL-UNNAMED", "io.workerpool", "other");
        assertThat(command.jvmOptionValues("--add-opens")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"-p", "--module-path", "--upgrade-module-path", "--add-modules", "--limit-modules",
            "--add-reads", "--add-exports", "--add-opens", "--patch-module", "--enable-native-access"})
    void launcherOptionsWithASeparateValueSkipIt(String option) {
        // The value has no leading '-', as a main class: it must still count as the option's.
        assertWorkerCommand(List.of(option, "java.base/java.lang=ALL-UNNAMED", "-cp", "lib"), List.of("app.Main"));
    }

    @Test
    void optionsThatCarryTheirValueInsideTakeNothingElse() {
        assertWorkerCommand(
                List.of("-Dfoo=bar", "-XX:+UseSerialGC", "-Xss1m", "--add-opens=java.base/java.lang=ALL-UNNAMED",
                        "--module-path=mods", "--illegal-native-access=deny", "-ea", "-cp", "lib"),
                List.of("app.Main", "x"));
    }

    @Test
    void executableJar() {
        assertWorkerCommand(List.of("-Dx=1"), List.of("-jar", "app.jar", "a", "-Db=2", "--c"));
    }

    @Test
    void executableJarWithOptionsBetweenJarFlagAndJarFile() {
        // The launcher accepts options after -jar; they stay where they were.
        assertWorkerCommand(List.of(), List.of("-jar", "-Dlate=1", "-cp", "ignored", "app.jar", "a"));
    }

    @Test
    void moduleMainInEverySpelling() {
        assertWorkerCommand(List.of("-p", "mods"), List.of("-m", "app/app.Main", "a", "-p", "x"));
        assertWorkerCommand(List.of("--module-path", "mods"), List.of("--module", "app/app.Main", "a"));
        assertWorkerCommand(List.of("--module-path=mods", "--add-modules", "ALL-SYSTEM"),
                List.of("--module=app/app.Main", "a", "-m", "b"));
        assertWorkerCommand(List.of("-p", "mods"), List.of("-m", "app", "a"));
    }

    @Test
    void sourceFileLauncher() {
        assertWorkerCommand(List.of(), List.of("Foo.java", "a", "-b"));
        assertWorkerCommand(List.of("--source", "25", "-cp", "lib"), List.of("Foo.java", "a"));
        // A shebang line's options come as one argument; the launcher splits it only as the first argument,
        // which it stays.
        assertWorkerCommand(List.of("--source 25"), List.of("/home/me/bin/script", "a"));
    }

    @Test
    void aBareJavaHasNothingToRunAndAnEmptyLineIsRefused() {
        assertWorkerCommand(List.of("-version"), List.of());
        assertThatThrownBy(() -> WorkerCommand.parse(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void argfileOfOptionsIsInlinedSoTheWorkerOptionsComeAfterItsOptions() throws IOException {
        Path options = write("opts", "-Xmx1g\n-cp \"dir with space/x.jar\"\n");
        assertThat(command("@" + options, "app.Main", "a"))
                .containsExactly(JAVA, "-Xmx1g", "-cp", "dir with space/x.jar", "-Dworker=1", "-Xmx64m",
                        "app.Main", "a");
    }

    @Test
    void argfileHoldingTheMainClassIsSplitAtIt() throws IOException {
        Path args = write("main.args", "# shortened command line\n-cp lib\napp.Main \"first arg\" @not-a-file\n");
        assertThat(command("-Dx=1", "@" + args, "more", "@" + args))
                .containsExactly(JAVA, "-Dx=1", "-cp", "lib", "-Dworker=1", "-Xmx64m",
                        "app.Main", "first arg", "@not-a-file", "more", "@" + args);
    }

    @Test
    void argfileForAnOptionValue() throws IOException {
        Path classPath = write("cp", "'/a b/x.jar:/c/y.jar'");
        assertThat(command("-cp", "@" + classPath, "app.Main"))
                .containsExactly(JAVA, "-cp", "/a b/x.jar:/c/y.jar", "-Dworker=1", "-Xmx64m", "app.Main");
    }

    @Test
    void inlinedArgumentsStartingWithAtAreEscapedSoTheWorkersLauncherReadsNoFile() throws IOException {
        Path args = write("args", "-cp @lib -Dx=1 @app.Main @arg");
        assertThat(command("@" + args))
                .containsExactly(JAVA, "-cp", "@@lib", "-Dx=1", "-Dworker=1", "-Xmx64m", "@@app.Main", "@arg");
    }

    @Test
    void escapedAtOnTheCommandLineStaysAsItWas() {
        assertThat(command("-cp", "@@lib", "@@app.Main", "@@arg"))
                .containsExactly(JAVA, "-cp", "@@lib", "-Dworker=1", "-Xmx64m", "@@app.Main", "@@arg");
        assertThat(command("-cp", "lib", "@", "x")).containsExactly(JAVA, "-cp", "lib", "-Dworker=1", "-Xmx64m",
                "@", "x");
    }

    @Test
    void noArgfileIsReadAfterTheMainClassOrAfterDisableAtFiles() throws IOException {
        Path file = write("opts", "-Xmx1g");
        assertThat(command("-cp", "lib", "app.Main", "@" + file))
                .containsExactly(JAVA, "-cp", "lib", "-Dworker=1", "-Xmx64m", "app.Main", "@" + file);
        assertThat(command("--disable-@files", "-cp", "@" + file, "app.Main"))
                .containsExactly(JAVA, "--disable-@files", "-cp", "@" + file, "-Dworker=1", "-Xmx64m", "app.Main");
        Path disabling = write("disabling", "--disable-@files -cp @lib");
        // Once disabled, an @name is no file but a plain argument: here, the main class as far as java knows.
        assertThat(command("@" + disabling, "@" + file, "app.Main"))
                .containsExactly(JAVA, "--disable-@files", "-cp", "@lib", "-Dworker=1", "-Xmx64m", "@" + file,
                        "app.Main");
    }

    @Test
    void argfileThatIsGoneStaysInPlaceWithTheWorkerOptionsBeforeIt() {
        String gone = "@" + dir.resolve("deleted-by-the-ide");
        assertThat(command("-Dx=1", gone, "a"))
                .containsExactly(JAVA, "-Dx=1", "-Dworker=1", "-Xmx64m", gone, "a");
    }

    @Test
    void argfileIsDecodedWithTheGivenCharset() throws IOException {
        Path file = dir.resolve("latin1");
        Files.write(file, "-Dname=caf\u00e9 app.Main".getBytes(ISO_8859_1));
        assertThat(WorkerCommand.parse(List.of(JAVA, "@" + file), ISO_8859_1).withJvmOptions(List.of()))
                .containsExactly(JAVA, "-Dname=caf\u00e9", "app.Main");
    }

    @Test
    void procCmdlineKeepsEmptyArgumentsAndEveryByteOfTheLocalesCharset() {
        byte[] latin1 = "java\0-cp\0lib\0app.Main\0caf\u00e9\0\0last\0\0".getBytes(ISO_8859_1);
        assertThat(WorkerCommand.splitCmdline(latin1, ISO_8859_1))
                .containsExactly("java", "-cp", "lib", "app.Main", "caf\u00e9", "", "last", "");
        byte[] utf8 = "java\0h\u00e9llo \u2713\0no-final-nul".getBytes(UTF_8);
        assertThat(WorkerCommand.splitCmdline(utf8, UTF_8)).containsExactly("java", "h\u00e9llo \u2713", "no-final-nul");
    }

    /** Parsing {@code java <jvm> <program>} gives {@code java <jvm> EXTRA <program>}. */
    private static void assertWorkerCommand(List<String> jvm, List<String> program) {
        List<String> argv = new ArrayList<>();
        argv.add(JAVA);
        argv.addAll(jvm);
        argv.addAll(program);
        List<String> expected = new ArrayList<>();
        expected.add(JAVA);
        expected.addAll(jvm);
        expected.addAll(EXTRA);
        expected.addAll(program);
        assertThat(WorkerCommand.parse(argv).withJvmOptions(EXTRA)).as("worker command for %s", argv)
                .containsExactlyElementsOf(expected);
    }

    private static List<String> command(String... args) {
        List<String> argv = new ArrayList<>();
        argv.add(JAVA);
        argv.addAll(List.of(args));
        return WorkerCommand.parse(argv).withJvmOptions(EXTRA);
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }
}
