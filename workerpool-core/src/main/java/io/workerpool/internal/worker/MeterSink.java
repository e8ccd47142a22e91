package io.workerpool.internal.worker;

import io.workerpool.internal.wire.FrameChannel;
import io.workerpool.internal.wire.Message;
import java.io.IOException;

/**
 * The worker-side door for the optional workerpool-micrometer module (exported to it alone): it sends the
 * application's meters to the master over this worker's channel, as {@link Message.Meters} frames. The
 * core knows nothing of Micrometer; the module encodes its frames straight into the channel's frame buffer
 * through a {@link Message.Meters.Payload}.
 */
public final class MeterSink {
    private static volatile FrameChannel channel;

    private MeterSink() {
    }

    /** Called once the worker's channel is accepted by the master. */
    static void connected(FrameChannel link) {
        channel = link;
    }

    /** Whether this JVM is a worker connected to its master (false in the master, in tests, in a plain JVM). */
    public static boolean available() {
        return channel != null;
    }

    /** Largest payload one frame may carry. */
    public static int maxPayloadBytes() {
        return Message.MAX_FRAME_BYTES - 1;
    }

    /**
     * Sends one frame of meters; blocks while the master's receive buffer is full (the channel's backpressure).
     *
     * @return false when there is no master to send to (not a worker, or the channel closed)
     */
    public static boolean send(Message.Meters.Payload payload) {
        FrameChannel link = channel;
        if (link == null) {
            return false;
        }
        try {
            link.send(new Message.Meters(payload));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
