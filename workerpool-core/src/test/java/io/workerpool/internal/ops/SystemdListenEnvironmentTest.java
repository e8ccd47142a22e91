package io.workerpool.internal.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Whether systemd passed sockets to this process (sd_listen_fds(3)); the socket itself: SystemdSocketActivationTest. */
class SystemdListenEnvironmentTest {
    private static final long PID = 4242;

    @Test
    void countsTheSocketsPassedToThisProcess() {
        assertThat(SocketActivation.passedSockets(Map.of("LISTEN_FDS", "1", "LISTEN_PID", "4242"), PID)).isEqualTo(1);
        assertThat(SocketActivation.passedSockets(Map.of("LISTEN_FDS", "2", "LISTEN_PID", "4242",
                "LISTEN_FDNAMES", "http:admin"), PID)).isEqualTo(2);
    }

    @Test
    void socketsPassedToAnotherProcessAreNotOurs() {
        // an activated parent whose variables we inherited: the descriptors, if any, are not what they say
        assertThat(SocketActivation.passedSockets(Map.of("LISTEN_FDS", "1", "LISTEN_PID", "1"), PID)).isZero();
        assertThat(SocketActivation.passedSockets(Map.of("LISTEN_FDS", "1"), PID)).isZero();
    }

    @Test
    void noOrMalformedCountMeansNoSocket() {
        assertThat(SocketActivation.passedSockets(Map.of(), PID)).isZero();
        assertThat(SocketActivation.passedSockets(Map.of("LISTEN_FDS", "", "LISTEN_PID", "4242"), PID)).isZero();
        assertThat(SocketActivation.passedSockets(Map.of("LISTEN_FDS", "x", "LISTEN_PID", "4242"), PID)).isZero();
        assertThat(SocketActivation.passedSockets(Map.of("LISTEN_FDS", "-1", "LISTEN_PID", "4242"), PID)).isZero();
    }

    @Test
    void workersLoseEverySystemdVariable() {
        assertThat(SystemdEnvironment.ALL).containsExactlyInAnyOrder("NOTIFY_SOCKET", "WATCHDOG_USEC",
                "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES");
    }
}
