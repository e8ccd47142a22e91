package io.workerpool.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One listening socket, bound by the master, served by every worker; a bind failure starts nothing. */
class SharedSocketServeTest {
    @TempDir
    Path dir;

    @Test
    void everyWorkerServesTheOnePortTheMasterBound() throws Exception {
        try (PoolProcess pool = HttpPools.startListening(HttpPools.in(dir).with("holdMs", 20), 3)) {
            assertThat(HttpPools.listeningPorts(pool)).as("ports the workers accept on").hasSize(1);
            int port = HttpPools.port(pool);
            assertThat(pool.log()).contains("listening on 127.0.0.1:" + port);
            Set<Long> workers = Set.of(pool.workerPid(0), pool.workerPid(1), pool.workerPid(2));

            try (ClientLoad load = ClientLoad.start(port, "/", 4, Duration.ofSeconds(30))) {
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                        .alias("answers from all three workers " + workers)
                        .until(() -> answeringPids(load).containsAll(workers));
                load.close();
                assertThat(load.outcomes()).allMatch(HttpExchange.Outcome::ok);
                assertThat(answeringPids(load)).isEqualTo(workers);
            }
        }
    }

    @Test
    void aPortInUseStopsTheMasterWithTheAddressAndStartsNoWorker() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
             PoolProcess pool = HttpPools.in(dir).with("port", taken.getLocalPort()).start()) {
            assertThat(pool.waitFor(Duration.ofSeconds(30))).isNotZero();

            assertBindFailure(pool, "cannot listen on 127.0.0.1:" + taken.getLocalPort()
                    + ": Address already in use (EADDRINUSE); is another server on that port?");
        }
    }

    @Test
    void anAddressNotOnThisMachineStopsTheMasterWithTheAddressAndStartsNoWorker() throws Exception {
        // 192.0.2.1 is TEST-NET-1 (RFC 5737): never assigned to an interface here
        try (PoolProcess pool = HttpPools.in(dir).with("host", "192.0.2.1").with("port", 8080).start()) {
            assertThat(pool.waitFor(Duration.ofSeconds(30))).isNotZero();

            assertBindFailure(pool, "cannot listen on 192.0.2.1:8080: Cannot assign requested address"
                    + " (EADDRNOTAVAIL)");
        }
    }

    private static void assertBindFailure(PoolProcess pool, String message) {
        String log = pool.log();
        assertThat(log).contains(message);
        assertThat(log).as("a setup error prints its message, not a stack trace").doesNotContain("\tat ");
        assertThat(pool.events()).as("no worker started, no master onStart ran").isEmpty();
        assertThat(pool.master().descendants().count()).isZero();
    }

    private static Set<Long> answeringPids(ClientLoad load) {
        return load.outcomes().stream().filter(HttpExchange.Outcome::ok).map(HttpExchange.Outcome::pid)
                .collect(Collectors.toSet());
    }
}
