package io.workerpool.cli;

import io.workerpool.internal.Durations;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

/** In-process checks of the value converters, durations and the status table. */
class CliFormatTest {
    @Test
    void durationsReadAndPrintAsPeopleWriteThem() {
        Converters.PositiveDuration duration = new Converters.PositiveDuration();
        assertThat(duration.convert("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(duration.convert("3s")).isEqualTo(Duration.ofSeconds(3));
        assertThat(duration.convert("1m")).isEqualTo(Duration.ofMinutes(1));
        assertThat(duration.convert("2h")).isEqualTo(Duration.ofHours(2));
        for (String bad : new String[] {"abc", "3", "1.5s", "-1s", "3 s", ""}) {
            assertThatThrownBy(() -> duration.convert(bad)).isInstanceOf(TypeConversionException.class)
                    .hasMessage("must be a duration like 500ms, 3s or 1m, got '" + bad + "'");
        }
        assertThatThrownBy(() -> duration.convert("0s")).hasMessageContaining("positive");

        assertThat(Durations.format(Duration.ofMillis(750))).isEqualTo("750ms");
        assertThat(Durations.format(Duration.ofMillis(4200))).isEqualTo("4.2s");
        assertThat(Durations.format(Duration.ofSeconds(2))).isEqualTo("2s");
        assertThat(Durations.format(Duration.ofSeconds(63))).isEqualTo("1m 3s");
        assertThat(Durations.format(Duration.ofMinutes(130))).isEqualTo("2h 10m");
    }

    @Test
    void listenAddressesAndWorkerIds() {
        Converters.ListenAddress listen = new Converters.ListenAddress();
        assertThat(listen.convert("127.0.0.1:8080")).isEqualTo(new InetSocketAddress("127.0.0.1", 8080));
        assertThat(listen.convert("[::1]:0").getAddress().getHostAddress()).isEqualTo("0:0:0:0:0:0:0:1");
        assertThat(listen.convert("*:9000")).isEqualTo(new InetSocketAddress(9000));
        assertThatThrownBy(() -> listen.convert("8080")).hasMessageStartingWith("must be HOST:PORT");
        assertThatThrownBy(() -> listen.convert("127.0.0.1:70000")).hasMessageStartingWith("must be HOST:PORT");

        assertThat(new Converters.WorkerIds().convert("1,2,5").ids()).containsExactly(1, 2, 5);
        assertThatThrownBy(() -> new Converters.WorkerIds().convert("1,,2")).hasMessageContaining("got '1,,2'");
    }

    @Test
    void statusJsonBecomesATable() {
        String json = "{\"pid\":100,\"state\":\"RUNNING\",\"reload\":\"no reload yet\",\"workers\":["
                + "{\"id\":0,\"pid\":101,\"state\":\"RUNNING\",\"uptimeMillis\":63000,\"restarts\":2,"
                + "\"lastExit\":\"signal 9 (SIGKILL)\",\"heartbeatAgeMillis\":120,\"rssBytes\":52428800,"
                + "\"heapUsedBytes\":12582912,\"heapCommittedBytes\":67108864,\"gcShare\":0.0125,"
                + "\"pssBytes\":31457280},"
                + "{\"id\":1,\"pid\":-1,\"state\":\"BACKOFF\",\"uptimeMillis\":0,\"restarts\":5,"
                + "\"lastExit\":\"exit status 3\",\"heartbeatAgeMillis\":0,\"rssBytes\":-1}]}";
        assertThat(StatusTable.render(json)).isEqualTo("""
                master pid 100, RUNNING, 2 workers; reload: no reload yet
                ID  PID  STATE    UPTIME  RESTARTS  LAST EXIT           HEARTBEAT  RSS      HEAP      GC    PSS
                0   101  RUNNING  1m 3s   2         signal 9 (SIGKILL)  120ms      50.0 MB  12/64 MB  1.3%  30.0 MB
                1   -    BACKOFF  -       5         exit status 3       -          -        -         -     -
                """);
        assertThat(StatusTable.render("{\"pid\":100,\"state\":\"RUNNING\",\"metrics\":\"127.0.0.1:9100\","
                + "\"workers\":[]}")).startsWith("master pid 100, RUNNING, 0 workers; http://127.0.0.1:9100 (/healthz"
                + " /readyz /metrics)\n");
        assertThatThrownBy(() -> StatusTable.render("not json")).isInstanceOf(CliException.class)
                .hasMessageStartingWith("the pool's status reply is not the JSON");
    }

    @Test
    void hotSparesAreCountedApartInTheStatusTable() {
        String json = "{\"pid\":100,\"state\":\"RUNNING\",\"workers\":["
                + "{\"id\":0,\"pid\":101,\"state\":\"RUNNING\",\"uptimeMillis\":3000,\"restarts\":0,"
                + "\"lastExit\":\"\",\"heartbeatAgeMillis\":120,\"rssBytes\":52428800},"
                + "{\"id\":-1,\"pid\":102,\"state\":\"SPARE\",\"uptimeMillis\":2000,\"restarts\":0,"
                + "\"lastExit\":\"\",\"heartbeatAgeMillis\":80,\"rssBytes\":41943040}]}";
        assertThat(StatusTable.render(json)).isEqualTo("""
                master pid 100, RUNNING, 1 worker, 1 hot spare
                ID  PID  STATE    UPTIME  RESTARTS  LAST EXIT  HEARTBEAT  RSS      HEAP  GC  PSS
                0   101  RUNNING  3s      0         -          120ms      50.0 MB  -     -   -
                -1  102  SPARE    2s      0         -          80ms       40.0 MB  -     -   -
                """);
    }

    @Test
    void jsonReaderReadsEscapesAndNesting() {
        assertThat(JsonReader.parse("{\"a\":[1,2.5,true,null,\"x\\\"\\u0041\\n\"],\"b\":{}}"))
                .hasToString("{a=[1, 2.5, true, null, x\"A\n], b={}}");
        assertThatThrownBy(() -> JsonReader.parse("{\"a\":1,}")).isInstanceOf(IllegalArgumentException.class);
    }
}
