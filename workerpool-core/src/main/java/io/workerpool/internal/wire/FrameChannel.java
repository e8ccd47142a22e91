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

    private final ByteChannel channel;
    private final ReentrantLock sendLock = new ReentrantLock();
    private final WireOutput sendPayload = new WireOutput();
    private final ByteBuffer sendHeader = ByteBuffer.allocate(HEADER_BYTES);
    private final ByteBuffer receiveHeader = ByteBuffer.allocate(HEADER_BYTES);
    private ByteBuffer receiveBody = ByteBuffer.allocate(4096);

    public FrameChannel(ByteChannel channel) {
        this.channel = channel;
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
            while (sendHeader.hasRemaining() || body.hasRemaining()) {
                if (channel instanceof java.nio.channels.GatheringByteChannel gathering) {
                    gathering.write(both);
                } else {
                    channel.write(sendHeader.hasRemaining() ? sendHeader : body);
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
        receiveHeader.clear();
        readFully(receiveHeader);
        receiveHeader.flip();
        int length = receiveHeader.getInt();
        byte type = receiveHeader.get();
        if (length < 1 || length > Message.MAX_FRAME_BYTES) {
            throw new ProtocolException("frame length " + length + " outside 1.." + Message.MAX_FRAME_BYTES);
        }
        int payloadLength = length - 1;
        if (receiveBody.capacity() < payloadLength) {
            receiveBody = ByteBuffer.allocate(Math.max(payloadLength, receiveBody.capacity() * 2));
        }
        receiveBody.clear().limit(payloadLength);
        readFully(receiveBody);
        receiveBody.flip();
        return Message.read(type, new WireInput(receiveBody));
    }

    private void readFully(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new EOFException("control channel closed by the peer");
            }
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
