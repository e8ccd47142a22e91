package io.workerpool.internal.wire;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Messages over a blocking byte channel (a Unix domain socket). Any number of threads may send: sends are
 * serialized by a lock, and a send blocks while the peer's receive buffer is full, which is the
 * backpressure that keeps a flooding worker from growing the master's memory. One thread receives.
 */
public final class FrameChannel implements AutoCloseable {
    private static final int HEADER_BYTES = 5;
    private static final int RECEIVE_BUFFER_BYTES = 64 * 1024;

    private final ByteChannel channel;
    private final ReentrantLock sendLock = new ReentrantLock();
    private final WireOutput sendPayload = new WireOutput();
    private final ByteBuffer sendHeader = ByteBuffer.allocate(HEADER_BYTES);
    // Frames are read in bulk and cut out of this buffer (kept in read mode between calls): a flood of
    // small log frames costs one read call per buffer-full instead of two per frame.
    private ByteBuffer received = ByteBuffer.allocate(RECEIVE_BUFFER_BYTES).flip();
    /** Bytes read from the peer so far: none at all tells a connection that was only opened and closed. */
    private long bytesReceived;

    public FrameChannel(ByteChannel channel) {
        this.channel = channel;
    }

    /**
     * Runs {@code action} while no thread is in the middle of a send. The worker interrupts its main thread
     * only through here: an interrupt landing on a thread blocked in a write would close the channel.
     */
    public void whileNotSending(Runnable action) {
        sendLock.lock();
        try {
            action.run();
        } finally {
            sendLock.unlock();
        }
    }

    public void send(Message message) throws IOException {
        sendLock.lock();
        try {
            sendPayload.reset();
            message.writePayload(sendPayload);
            int length = 1 + sendPayload.size();
            if (length > Message.MAX_FRAME_BYTES) {
                throw new ProtocolException("frame of " + length + " bytes exceeds the limit of "
                        + Message.MAX_FRAME_BYTES);
            }
            sendHeader.clear();
            sendHeader.putInt(length).put(message.type()).flip();
            ByteBuffer body = sendPayload.buffer();
            ByteBuffer[] both = {sendHeader, body};
            // A socket channel is interruptible: a write by a thread whose interrupt status is set closes
            // it for good. Any thread may send here (a log record from a thread that was just interrupted,
            // a common "catch InterruptedException, re-interrupt, log" pattern), so the status is held back
            // for the write and restored after. An interrupt that arrives while the write blocks still
            // closes the channel.
            boolean interrupted = Thread.interrupted();
            try {
                while (sendHeader.hasRemaining() || body.hasRemaining()) {
                    if (channel instanceof java.nio.channels.GatheringByteChannel gathering) {
                        gathering.write(both);
                    } else {
                        channel.write(sendHeader.hasRemaining() ? sendHeader : body);
                    }
                }
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        } finally {
            sendLock.unlock();
        }
    }

    /**
     * The next message; blocks until one arrives.
     *
     * @throws EOFException when the peer closed the channel
     * @throws ProtocolException when the peer broke the protocol
     */
    public Message receive() throws IOException {
        fill(HEADER_BYTES);
        int length = received.getInt();
        byte type = received.get();
        if (length < 1 || length > Message.MAX_FRAME_BYTES) {
            throw new ProtocolException("frame length " + length + " outside 1.." + Message.MAX_FRAME_BYTES);
        }
        int payloadLength = length - 1;
        fill(payloadLength);
        ByteBuffer payload = received.slice(received.position(), payloadLength);
        received.position(received.position() + payloadLength);
        return Message.read(type, new WireInput(payload));
    }

    /** Reads until at least {@code bytes} unread bytes are buffered, growing the buffer for a large frame. */
    private void fill(int bytes) throws IOException {
        if (received.remaining() >= bytes) {
            return;
        }
        if (received.capacity() < bytes) {
            ByteBuffer larger = ByteBuffer.allocate(Math.max(bytes, received.capacity() * 2));
            larger.put(received).flip();
            received = larger;
        }
        received.compact();
        try {
            while (received.position() < bytes) {
                int read = channel.read(received);
                if (read < 0) {
                    throw new EOFException(received.position() == 0 ? "worker channel closed by the peer"
                            : "worker channel closed by the peer in the middle of a frame");
                }
                bytesReceived += read;
            }
        } finally {
            received.flip();
        }
    }

    /** How many bytes the peer has sent so far (read by the one receiving thread). */
    public long bytesReceived() {
        return bytesReceived;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
