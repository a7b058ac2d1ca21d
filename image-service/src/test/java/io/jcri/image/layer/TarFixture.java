package io.jcri.image.layer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.function.Function;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds small tar layers in memory for the unpacker, layer store and pull tests. */
public final class TarFixture {
    static final Instant MTIME = Instant.parse("2020-01-02T03:04:05Z");

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream tar;

    public TarFixture() {
        tar = new TarArchiveOutputStream(bytes, StandardCharsets.UTF_8.name());
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    }

    TarFixture dir(String name, int mode) throws IOException {
        return entry(new TarArchiveEntry(name.endsWith("/") ? name : name + "/"), mode, null, Map.of());
    }

    public TarFixture file(String name, int mode, String content) throws IOException {
        return file(name, mode, content, Map.of());
    }

    TarFixture file(String name, int mode, String content, Map<String, String> pax) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, true);
        byte[] data = content.getBytes(StandardCharsets.UTF_8);
        e.setSize(data.length);
        return entry(e, mode, data, pax);
    }

    TarFixture symlink(String name, String target) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
        e.setLinkName(target);
        return entry(e, 0777, null, Map.of());
    }

    TarFixture hardlink(String name, String target) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK);
        e.setLinkName(target);
        return entry(e, 0644, null, Map.of());
    }

    TarFixture device(String name, byte type, int major, int minor) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, type);
        e.setDevMajor(major);
        e.setDevMinor(minor);
        return entry(e, 0600, null, Map.of());
    }

    private TarFixture entry(TarArchiveEntry e, int mode, byte[] data, Map<String, String> pax) throws IOException {
        e.setMode(mode);
        e.setUserId(1234);
        e.setGroupId(5678);
        e.setModTime(java.util.Date.from(MTIME));
        pax.forEach(e::addPaxHeader);
        tar.putArchiveEntry(e);
        if (data != null) {
            tar.write(data);
        }
        tar.closeArchiveEntry();
        return this;
    }

    public byte[] build() throws IOException {
        tar.finish();
        tar.close();
        return bytes.toByteArray();
    }

    /** The tar compressed with {@code wrap} (e.g. a GZIPOutputStream constructor). */
    public byte[] build(Function<OutputStream, OutputStream> wrap) throws IOException {
        byte[] raw = build();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream w = wrap.apply(out)) {
            w.write(raw);
        }
        return out.toByteArray();
    }
}
