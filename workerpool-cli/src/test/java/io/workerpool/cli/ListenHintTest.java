package io.workerpool.cli;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.workerpool.Worker;
import org.junit.jupiter.api.Test;

/** Issue 17: a worker of 'workerpool run' that asks for the shared socket without --listen is told the flag. */
class ListenHintTest {
    static final class SocketlessWorker extends Worker {
        SocketlessWorker() {
            super(4);
        }

        @Override
        protected void main() {
        }
    }

    @Test
    void listenChannelWithoutListenNamesTheCliFlag() {
        String before = System.getProperty("workerpool.listenSetting");
        // as RunCommand passes it to its worker JVMs when --listen is missing
        System.setProperty("workerpool.listenSetting", RunCommand.LISTEN_SETTING);
        try {
            assertThatThrownBy(() -> new SocketlessWorker().listenChannel()).isInstanceOf(IllegalStateException.class)
                    .hasMessage("worker 4 has no listening socket: the pool was built without --listen; add it to"
                            + " share a socket among the workers");
        } finally {
            if (before == null) {
                System.clearProperty("workerpool.listenSetting");
            } else {
                System.setProperty("workerpool.listenSetting", before);
            }
        }
    }
}
