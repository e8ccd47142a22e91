package io.workerpool.internal.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Reads what {@link WireOutput} wrote; a short or malformed payload throws {@link ProtocolException}. */
public final class WireInput {
    private final ByteBuffer buffer;

    public WireInput(ByteBuffer buffer) {
        this.buffer = buffer;
    }

    public int readByte() throws ProtocolException {
        require(1);
        return buffer.get();
    }

    public boolean readBoolean() throws ProtocolException {
        return readByte() != 0;
    }

    public int readInt() throws ProtocolException {
        require(4);
        return buffer.getInt();
    }

    public long readLong() throws ProtocolException {
        require(8);
        return buffer.getLong();
    }

    public double readDouble() throws ProtocolException {
        return Double.longBitsToDouble(readLong());
    }

    /** The rest of the payload as a view (no copy: not to be written to), consumed. */
    public ByteBuffer readRest() {
        ByteBuffer rest = buffer.slice();
        buffer.position(buffer.limit());
        return rest;
    }

    public String readString() throws ProtocolException {
        int length = readInt();
        if (length == -1) {
            return null;
        }
        if (length < 0) {
            throw new ProtocolException("negative string length " + length);
        }
        require(length);
        String s = new String(buffer.array(), buffer.arrayOffset() + buffer.position(), length, StandardCharsets.UTF_8);
        buffer.position(buffer.position() + length);
        return s;
    }

    /** A count of following items, checked against what is left so a forged count can't allocate much. */
    public int readCount() throws ProtocolException {
        int count = readInt();
        if (count < 0 || count > buffer.remaining()) {
            throw new ProtocolException("implausible item count " + count + " with " + buffer.remaining()
                    + " bytes left");
        }
        return count;
    }

    public int remaining() {
        return buffer.remaining();
    }

    private void require(int n) throws ProtocolException {
        if (buffer.remaining() < n) {
            throw new ProtocolException("frame ends early: needed " + n + " more bytes, " + buffer.remaining()
                    + " left");
        }
    }
}
