package io.workerpool.internal.channel;

import static org.assertj.core.api.Assertions.assertThat;

import io.workerpool.internal.wire.Message;
import io.workerpool.internal.wire.ThrowableData;
import io.workerpool.internal.wire.WireInput;
import io.workerpool.internal.wire.WireOutput;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** A worker's throwable, rebuilt in the master, prints as it would have in the worker. */
class LogRemoteThrowableTest {
    @Test
    void printStackTraceAfterTheWireMatchesTheOriginal() throws Exception {
        IllegalStateException original = nested();
        original.addSuppressed(new IllegalArgumentException("while closing", new RuntimeException("inner")));

        RemoteThrowable remote = RemoteThrowable.of(throughTheWire(ThrowableData.of(original)));

        assertThat(printed(remote)).isEqualTo(printed(original)).contains("Caused by: java.io.IOException: disk full")
                .contains("Suppressed: java.lang.IllegalArgumentException: while closing").contains("... ");
    }

    @Test
    void classNameAndMessageArePresentedAsTheOriginals() {
        RemoteThrowable remote = RemoteThrowable.of(ThrowableData.of(new IllegalStateException("boom")));
        assertThat(remote).hasToString("java.lang.IllegalStateException: boom");
        assertThat(remote.getMessage()).isEqualTo("java.lang.IllegalStateException: boom");
        assertThat(remote.remoteClassName()).isEqualTo("java.lang.IllegalStateException");
        assertThat(remote.remoteMessage()).isEqualTo("boom");

        RemoteThrowable noMessage = RemoteThrowable.of(ThrowableData.of(new NullPointerException()));
        assertThat(noMessage.remoteMessage()).isNull();
        assertThat(noMessage).hasToString("java.lang.NullPointerException");
    }

    @Test
    void stackCauseAndSuppressedComeFromTheData() {
        IllegalStateException original = nested();
        original.addSuppressed(new RuntimeException("s"));
        RemoteThrowable remote = RemoteThrowable.of(ThrowableData.of(original));

        assertThat(remote.getStackTrace()).containsExactly(original.getStackTrace());
        assertThat(remote.getCause()).isInstanceOf(RemoteThrowable.class);
        assertThat(((RemoteThrowable) remote.getCause()).remoteClassName()).isEqualTo("java.io.UncheckedIOException");
        assertThat(remote.getCause().getCause()).hasToString("java.io.IOException: disk full");
        assertThat(remote.getCause().getStackTrace()).containsExactly(original.getCause().getStackTrace());
        assertThat(remote.getSuppressed()).singleElement().hasToString("java.lang.RuntimeException: s");
    }

    private static IllegalStateException nested() {
        try {
            failDeeper();
            throw new AssertionError("no exception");
        } catch (java.io.UncheckedIOException e) {
            return new IllegalStateException("boom", e);
        }
    }

    private static void failDeeper() {
        try {
            throw new java.io.IOException("disk full");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("wrapped", e);
        }
    }

    private static ThrowableData throughTheWire(ThrowableData data) throws Exception {
        WireOutput out = new WireOutput();
        data.write(out);
        assertThat(out.size()).isLessThan(Message.MAX_FRAME_BYTES);
        return ThrowableData.read(new WireInput(out.buffer()));
    }

    private static String printed(Throwable t) {
        StringWriter text = new StringWriter();
        t.printStackTrace(new PrintWriter(text));
        return text.toString();
    }
}
