package io.workerpool.internal.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable big-endian buffer for one frame's payload. Not thread-safe. */
public final class WireOutput {
    private byte[] bytes = new byte[256];
    private int size;

    public void reset() {
        size = 0;
    }

    public int size() {
        return size;
    }

    public WireOutput writeByte(int v) {
        ensure(1);
        bytes[size++] = (byte) v;
        return this;
    }

    public WireOutput writeBoolean(boolean v) {
        return writeByte(v ? 1 : 0);
    }

    public WireOutput writeInt(int v) {
        ensure(4);
        bytes[size++] = (byte) (v >>> 24);
        bytes[size++] = (byte) (v >>> 16);
        bytes[size++] = (byte) (v >>> 8);
        bytes[size++] = (byte) v;
        return this;
    }

    public WireOutput writeLong(long v) {
        writeInt((int) (v >>> 32));
        return writeInt((int) v);
    }

    public WireOutput writeDouble(double v) {
        return writeLong(Double.doubleToRawLongBits(v));
    }

    /** The remaining bytes of {@code source}, as they are (no length prefix). */
    public WireOutput writeBytes(ByteBuffer source) {
        int n = source.remaining();
        ensure(n);
        source.get(bytes, size, n);
        size += n;
        return this;
    }

    /**
     * A string as its UTF-8 length (or -1 for null) and bytes. An ASCII string (most log records' logger,
     * thread and message) is copied straight into the buffer, without an intermediate byte array.
     */
    public WireOutput writeString(String s) {
        if (s == null) {
            return writeInt(-1);
        }
        int n = s.length();
        ensure(4 + n);
        int start = size + 4;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                return writeUtf8(s); // nothing written yet: size still points at the length
            }
            bytes[start + i] = (byte) c;
        }
        writeInt(n);
        size += n;
        return this;
    }

    private WireOutput writeUtf8(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        writeInt(utf8.length);
        ensure(utf8.length);
        System.arraycopy(utf8, 0, bytes, size, utf8.length);
        size += utf8.length;
        return this;
    }

    /** The written bytes, as a buffer ready to read; valid until the next write. */
    public ByteBuffer buffer() {
        return ByteBuffer.wrap(bytes, 0, size);
    }

    private void ensure(int more) {
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }
}
