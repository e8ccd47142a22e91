package io.workerpool.internal.worker.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.helpers.BasicMarkerFactory;

/** The SLF4J provider, in this JVM and as SLF4J selects it in a worker JVM. */
class LogServiceProviderTest {
    @Test
    void providerServesTheForwardingLoggers() {
        ForwardingServiceProvider provider = new ForwardingServiceProvider();
        provider.initialize();
        assertThat(provider.getRequestedApiVersion()).isEqualTo("2.0.99");
        assertThat(provider.getLoggerFactory()).isSameAs(LogForwarding.forwarder());
        assertThat(provider.getLoggerFactory().getLogger("a")).isInstanceOf(ForwardingLogger.class)
                .isSameAs(provider.getLoggerFactory().getLogger("a"));
        assertThat(provider.getMDCAdapter()).isInstanceOf(BasicMDCAdapter.class);
        assertThat(provider.getMarkerFactory()).isInstanceOf(BasicMarkerFactory.class);
    }

    @Test
    void slf4jProviderPropertyWinsOverLogbackInAChildJvm() throws Exception {
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-Dslf4j.provider=" + ForwardingServiceProvider.class.getName(),
                LogProviderProbe.class.getName()).start();
        process.getOutputStream().close();
        String stdout = read(process.getInputStream());
        String stderr = read(process.getErrorStream());
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();

        assertThat(process.exitValue()).as(stderr).isZero();
        assertThat(stdout.lines().toList()).containsExactly(
                "record|20|probe|main|before connect 1|{k=v}",
                "record|30|probe.jul|main|jul record|{k=v}",
                "query|[probe, probe.jul]",
                "record|10|probe|main|wanted after the master's answer|{k=v}",
                "factory|" + LogForwarder.class.getName());
        // Nothing printed by Logback, nor by the JUL console handler.
        assertThat(stderr).doesNotContain("jul record").doesNotContain("before connect");
        List<String> slf4jNotes = stderr.lines().filter(l -> !l.isBlank()).toList();
        assertThat(slf4jNotes).allMatch(l -> l.startsWith("SLF4J"), "only SLF4J's own notes");
    }

    private static String read(java.io.InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
}
